import Foundation

/// Why a call to Stripe's REST API failed. One error type for the module (style §3.5).
///
/// `code` is stable: add codes, never rename them. `message` says what to do and never holds
/// the API key: Stripe's own messages are passed through `StripeAPIError.redacting(_:key:)`.
public struct StripeAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unauthorized, forbidden
            case notFound = "not_found"
            case rateLimited = "rate_limited"
            case serverError = "server_error"
            case requestFailed = "request_failed"
            case connectionFailed = "connection_failed"
            case invalidResponse = "invalid_response"
            case invalidConfiguration = "invalid_configuration"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// HTTP 401: the API key is missing, wrong or revoked.
        public static let unauthorized = Code(.unauthorized)
        /// HTTP 403: the key may not use this resource (a restricted key without the permission).
        public static let forbidden = Code(.forbidden)
        /// HTTP 404: no such object (or path).
        public static let notFound = Code(.notFound)
        /// HTTP 429 on every attempt.
        public static let rateLimited = Code(.rateLimited)
        /// HTTP 5xx on every attempt.
        public static let serverError = Code(.serverError)
        /// Any other non-2xx answer (400, 409, …), or a retry Stripe said not to make.
        public static let requestFailed = Code(.requestFailed)
        /// No answer: connection refused, DNS, TLS, timeout — on every attempt.
        public static let connectionFailed = Code(.connectionFailed)
        /// A 2xx answer whose body is not what the endpoint promises.
        public static let invalidResponse = Code(.invalidResponse)
        /// The client's settings are unusable (an empty key, a malformed base URL).
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The HTTP status of the last answer, when there was one.
    public let httpStatus: Int?

    public init(_ code: Code, _ message: String, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { "Stripe API \(code): \(message)" }

    /// `text` with the key, and anything shaped like a Stripe secret or restricted key
    /// (`sk_…`, `rk_…`, even masked), replaced by `[redacted]`.
    public static func redacting(_ text: String, key: String) -> String {
        var text = text
        if !key.isEmpty { text = text.replacingOccurrences(of: key, with: "[redacted]") }
        return text.split(separator: " ", omittingEmptySubsequences: false).map { word -> Substring in
            let bare = word.drop { !$0.isLetter }
            return bare.hasPrefix("sk_") || bare.hasPrefix("rk_") ? "[redacted]" : word
        }.joined(separator: " ")
    }
}
