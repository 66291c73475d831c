import BillingCore
import Foundation
import Hummingbird
import HTTPTypes

/// An error answered as `{"error":{"code":…,"message":…}}` (SPEC §4, §7).
///
/// The only place where failures become HTTP: handlers throw this, Hummingbird renders it.
/// `message` is shown to the caller, so it never holds a secret or a payload.
public struct APIError: HTTPResponseError, Sendable {
    /// Every `code` an error body carries (SPEC §4, §7): part of the HTTP contract, so codes are
    /// added, never renamed. The webhook's codes also label `billing_webhook_requests_total{outcome}`
    /// and `billing_signature_failures_total{code}`.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// 400: the request is malformed (admin API, console).
        case invalidRequest = "invalid_request"
        /// 401: no valid admin token or session.
        case unauthorized
        /// 404: no such client, alert or event.
        case notFound = "not_found"
        /// 409: the id exists, the alert is acknowledged, the event was pruned.
        case conflict
        /// 429: too many failed authentications from the address.
        case tooManyRequests = "too_many_requests"
        /// 503: the database cannot be reached; retry later.
        case unavailable
        /// 413: a webhook body above `BILLING_MAX_BODY_BYTES`.
        case payloadTooLarge = "payload_too_large"
        /// 400: no `Stripe-Signature` header, or an empty one.
        case missingSignature = "missing_signature"
        /// 400: the header has no usable `t` or no `v1` item.
        case malformedSignature = "malformed_signature"
        /// 400: no `v1` signature matches a configured secret.
        case signatureMismatch = "signature_mismatch"
        /// 400: the signed timestamp is older than the tolerance allows.
        case timestampOutsideTolerance = "timestamp_outside_tolerance"
        /// 400: the verified body is not a Stripe snapshot event, or cannot be stored as JSON.
        case invalidPayload = "invalid_payload"

        /// The code of a refusal by the core's signature check or envelope decoding. The core's
        /// `undecodable_event` concerns stored events (processing), never a request: it is shown
        /// as `invalid_payload`.
        public init(_ core: BillingCoreError.Code) {
            switch core {
            case .missingSignature: self = .missingSignature
            case .malformedSignature: self = .malformedSignature
            case .signatureMismatch: self = .signatureMismatch
            case .timestampOutsideTolerance: self = .timestampOutsideTolerance
            default: self = .invalidPayload
            }
        }
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String

    public init(_ status: HTTPResponse.Status, code: Code, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func invalidRequest(_ message: String) -> APIError { .init(.badRequest, code: .invalidRequest, message: message) }
    public static func notFound(_ message: String) -> APIError { .init(.notFound, code: .notFound, message: message) }
    public static func conflict(_ message: String) -> APIError { .init(.conflict, code: .conflict, message: message) }
    public static let unauthorized = APIError(.unauthorized, code: .unauthorized, message: "a valid bearer token is required")
    public static let unavailable = APIError(.serviceUnavailable, code: .unavailable, message: "the database is unavailable; retry later")

    /// The error body, `{"error":{"code":…,"message":…}}`.
    var body: [String: Any] { ["error": ["code": code.rawValue, "message": message]] }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: status, object: body)
    }
}

/// JSON responses with stable key order (sorted keys), built without Codable round trips.
enum JSONResponse {
    static func make(status: HTTPResponse.Status, object: Any, extraHeaders: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return make(status: status, bytes: data, extraHeaders: extraHeaders)
    }

    static func make(status: HTTPResponse.Status, bytes: some Collection<UInt8>, extraHeaders: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extraHeaders)
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}
