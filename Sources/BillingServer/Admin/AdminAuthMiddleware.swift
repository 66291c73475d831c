import BillingCore
import Foundation
import Hummingbird
import HTTPTypes

/// Guards every `/api/admin` route (SPEC §7): `Authorization: Bearer <token>` must match one of
/// the configured `adminId:token` pairs, else 401 `unauthorized`. With no token configured,
/// every request is refused (SPEC §10). On success the admin id goes into `context.adminId`.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = AppContext

    private let tokens: AdminTokens

    init(tokens: [(adminId: String, token: String)]) {
        self.tokens = AdminTokens(tokens)
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        guard let presented = Self.bearerToken(request.headers[.authorization]),
              let adminId = tokens.adminId(for: presented)
        else { throw APIError.unauthorized }
        var context = context
        context.adminId = adminId
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

/// The configured tokens, compared in constant time.
///
/// Each token and each presented value is first reduced to an HMAC-SHA256 under a key drawn at
/// start-up, so the comparison always runs over 32 bytes: neither a token's content nor its
/// length shows in the timing. Every configured token is compared, match or not.
struct AdminTokens: Sendable {
    private let key: [UInt8]
    private let entries: [(adminId: String, digest: [UInt8])]

    init(_ pairs: [(adminId: String, token: String)]) {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        self.key = key
        entries = pairs.filter { !$0.token.isEmpty }
            .map { ($0.adminId, HMACSHA256.mac(key: key, message: Array($0.token.utf8))) }
    }

    /// The admin whose token is `presented`, or `nil`.
    func adminId(for presented: String) -> String? {
        let digest = HMACSHA256.mac(key: key, message: Array(presented.utf8))
        var found: String?
        for entry in entries where Self.constantTimeEqual(entry.digest, digest) && found == nil {
            found = entry.adminId
        }
        return found
    }

    /// Equal-length byte comparison whose running time does not depend on where bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
