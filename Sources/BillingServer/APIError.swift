import Foundation
import Hummingbird
import HTTPTypes

/// An error answered as `{"error":{"code":…,"message":…}}` (SPEC §4, §7).
///
/// The only place where failures become HTTP: handlers throw this, Hummingbird renders it.
/// `message` is shown to the caller, so it never holds a secret or a payload.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func invalidRequest(_ message: String) -> APIError { .init(.badRequest, code: "invalid_request", message: message) }
    public static func notFound(_ message: String) -> APIError { .init(.notFound, code: "not_found", message: message) }
    public static func conflict(_ message: String) -> APIError { .init(.conflict, code: "conflict", message: message) }
    public static let unauthorized = APIError(.unauthorized, code: "unauthorized", message: "a valid bearer token is required")
    public static let unavailable = APIError(.serviceUnavailable, code: "unavailable", message: "the database is unavailable; retry later")

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status: status, object: ["error": ["code": code, "message": message]])
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
