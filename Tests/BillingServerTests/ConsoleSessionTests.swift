@testable import BillingServer
import Foundation
import Testing

/// The console's signed session cookies and its templates, without a database.
@Suite struct ConsoleSessionTests {
    static let tokens = [(adminId: "alice", token: "tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1c"), (adminId: "bob", token: "tok_bob_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")]
    static let t0: Int64 = 1_750_000_000

    /// A cookie issued for an admin verifies to that admin until it expires, and each session has
    /// its own CSRF token.
    @Test func issuedCookieVerifiesUntilItExpires() throws {
        let codec = ConsoleSessionCodec(tokens: Self.tokens)
        let cookie = try #require(codec.issue(adminId: "alice", now: Self.t0))
        let session = try #require(codec.verify(cookie, now: Self.t0 + 60))
        #expect(session.adminId == "alice")
        #expect(codec.verify(cookie, now: Self.t0 + ConsoleSessionCodec.lifetime - 1) == session)
        #expect(codec.verify(cookie, now: Self.t0 + ConsoleSessionCodec.lifetime) == nil)
        let second = try #require(codec.issue(adminId: "alice", now: Self.t0))
        let other = try #require(codec.verify(second, now: Self.t0))
        #expect(other.csrfToken != session.csrfToken)
        #expect(cookie.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) })
        #expect(codec.issue(adminId: "mallory", now: Self.t0) == nil)
    }

    /// A cookie whose payload or MAC was changed, or that was signed for another admin, verifies to nothing.
    @Test func tamperedCookiesAreRefused() throws {
        let codec = ConsoleSessionCodec(tokens: Self.tokens)
        let cookie = try #require(codec.issue(adminId: "bob", now: Self.t0))
        let parts = cookie.split(separator: ".").map(String.init)
        let payload = String(decoding: try #require(Base64URL.decode(parts[0])), as: UTF8.self)
        let promoted = Base64URL.encode(Array(payload.replacingOccurrences(of: "\nbob", with: "\nalice").utf8)) + "." + parts[1]
        let extended = Base64URL.encode(Array(payload.replacingOccurrences(of: "\(Self.t0 + ConsoleSessionCodec.lifetime)",
                                                                           with: "9999999999").utf8)) + "." + parts[1]
        for forged in [promoted, extended, parts[0] + "." + parts[1].dropLast(1), parts[0], "", ".", cookie + ".x"] {
            #expect(codec.verify(forged, now: Self.t0) == nil, "\(forged)")
        }
    }

    /// Rotating or removing an admin's token ends that admin's sessions.
    @Test func rotatingATokenEndsItsSessions() throws {
        let cookie = try #require(ConsoleSessionCodec(tokens: Self.tokens).issue(adminId: "alice", now: Self.t0))
        #expect(ConsoleSessionCodec(tokens: Self.tokens).verify(cookie, now: Self.t0) != nil)
        #expect(ConsoleSessionCodec(tokens: [("alice", "tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1c-2"), ("bob", "tok_bob_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")]).verify(cookie, now: Self.t0) == nil)
        #expect(ConsoleSessionCodec(tokens: [("bob", "tok_bob_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")]).verify(cookie, now: Self.t0) == nil)
        #expect(ConsoleSessionCodec(tokens: []).verify(cookie, now: Self.t0) == nil)
    }

    /// The CSRF check accepts the session's own token only.
    @Test func csrfTokenMatchesItsSessionOnly() {
        let session = ConsoleSession(adminId: "alice", csrfToken: "abc")
        #expect(ConsoleSessionCodec.csrfMatches("abc", session))
        for wrong in [nil, "", "abd", "abcd", "ab"] { #expect(!ConsoleSessionCodec.csrfMatches(wrong, session)) }
    }

    /// No template writes a value unescaped: no triple mustache, no `{{&…}}`, no content-type pragma.
    @Test(arguments: ConsoleTemplates.all.keys.sorted())
    func templatesOnlyUseEscapingTags(name: String) throws {
        let text = try #require(ConsoleTemplates.all[name])
        #expect(!text.contains("{{{") && !text.contains("{{&") && !text.contains("{{%") && !text.contains("{{="))
    }

    /// Form bodies decode `+` and `%XX`; the first value of a repeated field wins (so a second `_csrf` cannot replace the first).
    @Test func formBodiesDecodePlusAndPercentAndTheFirstRepeatedFieldWins() {
        let form = ConsoleForm(encoded: "reason=wire+received+%26+thanks&_csrf=a%2Bb&_csrf=evil&empty=&flag")
        #expect(form["reason"] == "wire received & thanks")
        #expect(form["_csrf"] == "a+b")
        #expect(form["empty"] == "" && form["flag"] == "")
        #expect(form["missing"] == nil)
    }

    /// Return targets after sign-in stay on the console.
    @Test(arguments: [("/console/clients?gate=closed", "/console/clients?gate=closed"), ("/console", "/console"),
                      ("//evil.example/console", nil), ("/elsewhere", nil), ("https://evil.example/console/alerts", "/console/alerts"),
                      ("/console/sign-in", nil), ("/console\\@evil", nil)] as [(String, String?)])
    func safeReturnTargets(target: String, expected: String?) {
        #expect(ConsoleURL.safeReturn(target) == expected)
    }
}
