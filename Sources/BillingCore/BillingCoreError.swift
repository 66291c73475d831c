/// Why the core refused an input.
///
/// `code` is part of the HTTP contract (SPEC §4): add codes, never rename them. `message` is
/// safe for the caller and for logs: it never holds a secret, a signature or a payload.
public struct BillingCoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case missingSignature = "missing_signature"
            case malformedSignature = "malformed_signature"
            case signatureMismatch = "signature_mismatch"
            case timestampOutsideTolerance = "timestamp_outside_tolerance"
            case invalidPayload = "invalid_payload"
            case undecodableEvent = "undecodable_event"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No `Stripe-Signature` header, or an empty one.
        public static let missingSignature = Code(.missingSignature)
        /// The header has no usable `t` or no `v1` item.
        public static let malformedSignature = Code(.malformedSignature)
        /// No `v1` signature matches any configured secret.
        public static let signatureMismatch = Code(.signatureMismatch)
        /// The signed timestamp is older than the tolerance allows.
        public static let timestampOutsideTolerance = Code(.timestampOutsideTolerance)
        /// The verified body is not a Stripe snapshot event.
        public static let invalidPayload = Code(.invalidPayload)
        /// A stored event's payload cannot be decoded into the object its type promises (processing, not ingest).
        public static let undecodableEvent = Code(.undecodableEvent)

        /// The code as it appears in `{"error":{"code":…}}`.
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
