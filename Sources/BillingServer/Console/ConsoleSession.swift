import BillingCore
import Foundation

/// A signed-in operator of the console: who, and the CSRF token every form of the session carries.
struct ConsoleSession: Sendable, Equatable {
    let adminId: String
    let csrfToken: String
    /// The session's random nonce: the id a sign-out revokes (`console_revoked_sessions`).
    var sessionId: String = ""
    /// When the cookie stops verifying anyway (Unix seconds); a revocation is kept until then.
    var expiresAt: Int64 = 0
}

/// Console sessions as HMAC-signed cookies, so that any number of `serve` replicas (SPEC §9)
/// accept a session without shared state.
///
/// The cookie is `base64url(payload).base64url(mac)`, payload `v1\n<expires unix s>\n<nonce>\n<adminId>`,
/// signed with a key derived from the admin's own token: removing or rotating a token in
/// `BILLING_ADMIN_TOKENS` ends that admin's sessions on the next request. The per-session CSRF
/// token is a second MAC over the session's random 256-bit nonce. Signing out clears the cookie
/// and records the nonce in PostgreSQL (`ConsoleRevocations`), so a copied cookie stops working
/// on every replica; the cookie is also short-lived, `HttpOnly` and `SameSite=Strict`.
struct ConsoleSessionCodec: Sendable {
    /// Session lifetime: one on-call shift.
    static let lifetime: Int64 = 8 * 3600

    private let keys: [(adminId: String, key: [UInt8])]

    init(tokens: [(adminId: String, token: String)]) {
        keys = tokens.filter { !$0.token.isEmpty }.map { pair in
            (pair.adminId, HMACSHA256.mac(key: Array(pair.token.utf8), message: Array("billing-worker console session v1".utf8)))
        }
    }

    /// A new session cookie value for `adminId` (who must be configured), valid until `now + lifetime`.
    func issue(adminId: String, now: Int64) -> String? {
        guard let key = keys.first(where: { $0.adminId == adminId })?.key else { return nil }
        let payload = "v1\n\(now + Self.lifetime)\n\(Base64URL.randomToken())\n\(adminId)"
        let mac = HMACSHA256.mac(key: key, message: Array(payload.utf8))
        return Base64URL.encode(Array(payload.utf8)) + "." + Base64URL.encode(mac)
    }

    /// The session of a cookie value: `nil` when it is malformed, forged, expired, or its admin
    /// (or that admin's token) is no longer configured.
    func verify(_ cookie: String, now: Int64) -> ConsoleSession? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payloadBytes = Base64URL.decode(String(parts[0])), let mac = Base64URL.decode(String(parts[1])),
              let payload = String(bytes: payloadBytes, encoding: .utf8)
        else { return nil }
        let fields = payload.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "v1", let expires = Int64(fields[1]), expires > now else { return nil }
        let adminId = String(fields[3])
        var matched: [UInt8]?
        for entry in keys where entry.adminId == adminId {
            let expected = HMACSHA256.mac(key: entry.key, message: payloadBytes)
            if HMACSHA256.constantTimeEquals(expected, mac) && matched == nil { matched = entry.key }
        }
        guard let key = matched else { return nil }
        let csrf = HMACSHA256.mac(key: key, message: Array("csrf\n\(fields[2])".utf8))
        return ConsoleSession(adminId: adminId, csrfToken: Base64URL.encode(csrf), sessionId: String(fields[2]), expiresAt: expires)
    }

    /// Whether a submitted CSRF token is the session's, compared in constant time.
    static func csrfMatches(_ submitted: String?, _ session: ConsoleSession) -> Bool {
        guard let submitted else { return false }
        return HMACSHA256.constantTimeEquals(Array(submitted.utf8), Array(session.csrfToken.utf8))
    }
}
