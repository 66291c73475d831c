import BillingCore
import Foundation
import Hummingbird
import HTTPTypes

/// Guards every `/api/admin` route (SPEC §7): `Authorization: Bearer <token>` must match one of
/// the configured `adminId:token` pairs, else 401 `unauthorized`. With no token configured,
/// every request is refused (SPEC §10). On success the admin id goes into `context.adminId`.
///
/// Failures are counted (`billing_auth_failures_total{surface="admin_api"}`) per client address;
/// an address over the limit gets 429 `too_many_requests` with `Retry-After`, right token or not,
/// until its window ends (issue 16).
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = AppContext

    private let tokens: AdminTokens
    let guardrail: AuthGuard

    init(tokens: [(adminId: String, token: String)], guardrail: AuthGuard) {
        self.tokens = AdminTokens(tokens)
        self.guardrail = guardrail
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let address = guardrail.clientAddress(request, context)
        if let wait = guardrail.throttle.retryAfter(address) {
            guardrail.metrics.authThrottled(surface: "admin_api")
            return AuthGuard.tooManyRequests(retryAfter: wait)
        }
        guard let presented = Self.bearerToken(request.headers[.authorization]),
              let adminId = tokens.adminId(for: presented)
        else {
            guardrail.failed(address, surface: "admin_api", context: context)
            throw APIError.unauthorized
        }
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

/// What the admin API and the console share to slow down token guessing: the per-address
/// throttle, the proxies whose `X-Forwarded-For` is believed, and the metrics.
struct AuthGuard: Sendable {
    let throttle: AuthFailureThrottle
    let trustedProxies: TrustedProxies
    let metrics: BillingMetrics

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The address the throttle counts for this request.
    func clientAddress(_ request: Request, _ context: AppContext) -> String {
        trustedProxies.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[values: Self.forwardedFor])
    }

    /// Counts a failed authentication and logs it (the address, never the presented token).
    func failed(_ address: String, surface: String, context: AppContext) {
        throttle.recordFailure(address)
        metrics.authFailure(surface: surface)
        context.logger.notice("admin authentication failed", metadata: [LogKey.clientAddress: .string(address), LogKey.surface: .string(surface)])
    }

    /// 429 `too_many_requests` with `Retry-After` (seconds).
    static func tooManyRequests(retryAfter: Int64) -> Response {
        let error = APIError(.tooManyRequests, code: .tooManyRequests,
                             message: "too many failed authentications from this address; retry after \(retryAfter) s")
        return JSONResponse.make(status: error.status, object: error.body, extraHeaders: [.retryAfter: String(retryAfter)])
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
        for entry in entries where HMACSHA256.constantTimeEquals(entry.digest, digest) && found == nil {
            found = entry.adminId
        }
        return found
    }
}
