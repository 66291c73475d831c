/// Verifies the `Stripe-Signature` header of a webhook delivery (SPEC §4).
///
/// Checks run in stripe-python's order and the first failure names the error:
/// missing → malformed (see ``SignatureHeader``) → signature → timestamp.
/// - Signature: the signed payload is `"<t>.<body bytes>"` with `<t>` in canonical decimal; the key is
///   each configured secret's UTF-8 bytes (`whsec_` prefix included). The expected lowercase-hex
///   HMAC-SHA256 is computed once per secret and compared with every `v1` value as a string, in
///   constant time. Uppercase, truncated or non-hex values never match; `v0` is never consulted.
///   Several secrets (rotation): any match passes; none is ``BillingCoreError/Code/signatureMismatch``.
/// - Timestamp: `now - t > tolerance` is ``BillingCoreError/Code/timestampOutsideTolerance``;
///   exactly `tolerance` passes, a future `t` passes, and a tolerance of 0 turns the check off.
///
/// The verifier only authenticates bytes; decode the body afterwards with ``EventEnvelope``.
/// Its description never shows the secrets.
public struct WebhookSignatureVerifier: Sendable {
    /// Stripe's default tolerance: five minutes.
    public static let defaultTolerance: Int64 = 300
    /// At most this many `v1` values of one header are compared (issue 16): Stripe sends one, two
    /// while a secret rolls; a header stuffed with thousands costs no more than this.
    public static let maxCheckedSignatures = 8

    /// Maximum accepted age of `t`, in seconds; 0 means no timestamp check.
    public let tolerance: Int64
    /// Each configured secret's UTF-8 bytes made into an HMAC key, in configuration order.
    private let keys: [HMACSHA256.Key]

    /// - Parameters:
    ///   - secrets: The endpoint secrets (`whsec_…`) as configured, used verbatim. Several secrets
    ///     allow rotation: a delivery signed with any of them passes. With none, nothing passes.
    ///   - tolerance: Maximum age of the signed timestamp in seconds (default 300); 0 disables the
    ///     check, as in stripe-python. Must not be negative.
    public init(secrets: [String], tolerance: Int64 = WebhookSignatureVerifier.defaultTolerance) {
        precondition(tolerance >= 0, "webhook signature tolerance must not be negative")
        self.keys = secrets.map { HMACSHA256.Key(Array($0.utf8)) }
        self.tolerance = tolerance
    }

    /// The number of configured secrets.
    public var secretCount: Int { keys.count }

    /// Verifies one delivery.
    /// - Parameters:
    ///   - header: The `Stripe-Signature` value as the HTTP server hands it over; `nil` when absent.
    ///   - payload: The raw request body, byte for byte (never re-serialised).
    ///   - now: The current time in Unix seconds (injected).
    /// - Returns: The parsed header (its `timestamp` is the verified signing time).
    /// - Throws: `missing_signature`, `malformed_signature`, `signature_mismatch` or
    ///   `timestamp_outside_tolerance`, the first check that fails.
    @discardableResult
    public func verify<Payload: Collection<UInt8>>(
        header: String?,
        payload: Payload,
        now: Int64
    ) throws(BillingCoreError) -> SignatureHeader {
        let parsed = try SignatureHeader(parsing: header)
        try verify(parsed, payload: payload, now: now)
        return parsed
    }

    /// Verifies one delivery whose header the caller has already parsed (the webhook parses it
    /// from the request head, before reading the body): the signature check, then the timestamp.
    public func verify<Payload: Collection<UInt8>>(
        _ parsed: SignatureHeader,
        payload: Payload,
        now: Int64
    ) throws(BillingCoreError) {
        guard signatureMatches(parsed, payload: payload) else {
            throw BillingCoreError(
                .signatureMismatch,
                "no v1 signature in the Stripe-Signature header matches the payload for any configured secret"
            )
        }
        guard !isStale(timestamp: parsed.timestamp, now: now) else {
            throw BillingCoreError(
                .timestampOutsideTolerance,
                "the Stripe-Signature timestamp is more than \(tolerance) seconds old"
            )
        }
    }

    /// stripe-python: `if tolerance and timestamp < now - tolerance`.
    private func isStale(timestamp: Int64, now: Int64) -> Bool {
        guard tolerance != 0 else { return false }
        let (oldestAccepted, overflow) = now.subtractingReportingOverflow(tolerance)
        // Overflow: the limit lies below Int64.min, so no timestamp is older than it.
        return !overflow && timestamp < oldestAccepted
    }

    /// Whether any `v1` value equals the lowercase-hex HMAC of `"<t>.<payload>"` under any secret.
    private func signatureMatches<Payload: Collection<UInt8>>(_ header: SignatureHeader, payload: Payload) -> Bool {
        guard !keys.isEmpty else { return false }
        // The only plausible match has 64 characters; skip the HMAC when no v1 could match.
        guard header.v1Signatures.prefix(Self.maxCheckedSignatures).contains(where: { $0.utf8.count == HMACSHA256.hexCount }) else { return false }

        // The signed message is `"<t>."` then the body, hashed in two parts: the body is not copied.
        var prefix = Array(String(header.timestamp).utf8)
        prefix.append(UInt8(ascii: "."))
        let matched = payload.withContiguousStorageIfAvailable { body in
            matches(header, prefix: prefix, body: UnsafeRawBufferPointer(body))
        }
        if let matched { return matched }
        return Array(payload).withUnsafeBytes { body in matches(header, prefix: prefix, body: body) }
    }

    private func matches(_ header: SignatureHeader, prefix: [UInt8], body: UnsafeRawBufferPointer) -> Bool {
        prefix.withUnsafeBytes { prefix in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACSHA256.byteCount + HMACSHA256.hexCount) { scratch in
                let mac = UnsafeMutableBufferPointer(rebasing: scratch[0..<HMACSHA256.byteCount])
                let hex = UnsafeMutableBufferPointer(rebasing: scratch[HMACSHA256.byteCount...])
                for key in keys {
                    key.mac(prefix, body, into: mac)
                    HMACSHA256.writeLowercaseHex(UnsafeBufferPointer(mac), into: hex)
                    for signature in header.v1Signatures.prefix(Self.maxCheckedSignatures)
                    where HMACSHA256.constantTimeEquals(UnsafeBufferPointer(hex), signature.utf8) {
                        return true
                    }
                }
                return false
            }
        }
    }
}

extension WebhookSignatureVerifier: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Shows the number of secrets and the tolerance, never the secrets.
    public var description: String {
        "WebhookSignatureVerifier(secrets: \(keys.count), tolerance: \(tolerance))"
    }

    public var debugDescription: String { description }

    /// Keeps `dump()` and reflection from printing the secrets.
    public var customMirror: Mirror {
        Mirror(self, children: ["secretCount": keys.count, "tolerance": tolerance], displayStyle: .struct)
    }
}
