import Foundation
import Hummingbird
import NIOCore

/// Request bodies of the admin API (SPEC §7). Every mutation carries a non-blank `reason`.
enum AdminRequest {
    /// Largest accepted admin request body: these are a few short strings.
    static let maxBodyBytes = 64 * 1024

    /// `{"reason"}`: the body of every client action and of replay.
    struct Reason: Decodable {
        var reason: String?
    }

    /// `POST /api/admin/clients`: `{"id","business_name","reason"}`.
    struct CreateClient: Decodable {
        var id: String?
        var business_name: String?
        var reason: String?
    }

    /// `POST /api/admin/alerts/:id/acknowledge`: `{"reason","resolution"}`; the resolution
    /// defaults to the reason.
    struct Acknowledge: Decodable {
        var reason: String?
        var resolution: String?
    }

    /// Decodes a JSON body; any failure is a 400 `invalid_request` naming the problem.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.invalidRequest("the body exceeds \(maxBodyBytes) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw APIError.invalidRequest("a JSON object body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw APIError.invalidRequest("the body is not a JSON object of the expected shape")
        }
    }

    /// The trimmed value of a required text field, or a 400 naming it.
    static func required(_ value: String?, _ name: String, maxLength: Int = 1000) throws -> String {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty else { throw APIError.invalidRequest("`\(name)` is required and must not be blank") }
        guard trimmed.count <= maxLength else { throw APIError.invalidRequest("`\(name)` is longer than \(maxLength) characters") }
        try storable(trimmed, name)
        return trimmed
    }

    /// PostgreSQL text cannot hold a NUL character (libpq would silently cut the value there):
    /// refuse it rather than store a truncated reason.
    static func storable(_ value: String, _ name: String) throws {
        guard !value.unicodeScalars.contains("\u{0}") else {
            throw APIError.invalidRequest("`\(name)` must not contain a NUL character")
        }
    }

    /// The `reason` of a mutation: required, non-blank.
    static func reason(_ value: String?) throws -> String { try required(value, "reason") }
}
