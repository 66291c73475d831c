import BillingCore
import BillingPostgres
import BillingServer
import Foundation
import HTTPTypes
import Testing

/// The console's gate (issue 10): sign-in with an admin token, the session cookie's attributes,
/// nothing without a session, and no form accepted without its CSRF token.
@Suite struct ConsoleAccessTests {
    /// Every console page, and every form post, answers a redirect to sign-in without a valid
    /// session (none, forged, or signed for another admin's token), and changes nothing.
    @Test func everyPageNeedsASession() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_gate", status: .pastDue, openAlert: true)
            let alertId = try await AdminTest.insertAlert(pool, clientId: "c_gate")
            try await AdminTest.insertEvent(pool, id: "evt_gate", clientId: "c_gate")
            let alice = try await ConsoleTest.signIn(client)
            let forged = alice.cookie.dropLast(2) + (alice.cookie.hasSuffix("AA") ? "BB" : "AA")
            for cookie in [nil, "bw_console=garbage", "bw_console=\(forged)", "other=\(alice.cookie)"] {
                for uri in ["/console", "/console/clients", "/console/clients/c_gate", "/console/alerts", "/console/events",
                            "/console/events/evt_gate"] {
                    let page = try await ConsoleTest.get(client, uri, cookie: cookie)
                    #expect(page.status == 303, "\(uri) with \(cookie ?? "no cookie")")
                    #expect(page.location?.hasPrefix("/console/sign-in?next=") == true)
                    #expect(!page.html.contains("c_gate"))
                }
                for uri in ["/console/clients/c_gate/confirm-payment", "/console/alerts/\(alertId)/acknowledge",
                            "/console/events/evt_gate/replay", "/console/sign-out"] {
                    let page = try await ConsoleTest.post(client, uri, [("_csrf", alice.csrf), ("reason", "no session")], cookie: cookie)
                    #expect(page.status == 303 && page.location?.hasPrefix("/console/sign-in") == true, "\(uri)")
                }
            }
            #expect(try await AdminTest.auditCount(pool) == 0)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM client_billing WHERE status = 'PAST_DUE'") == 1)
        }
    }

    /// A GET without a session remembers the page; signing in then goes there (console paths only).
    @Test func signInReturnsToTheAskedPage() async throws {
        try await TestApp.withApp { client, _ in
            let first = try await ConsoleTest.get(client, "/console/events?status=failed")
            #expect(first.location == "/console/sign-in?next=%2Fconsole%2Fevents%3Fstatus%3Dfailed")
            let form = try await ConsoleTest.get(client, try #require(first.location))
            #expect(ConsoleTest.field("next", in: form.html) == "/console/events?status=failed")
            for (next, expected) in [("/console/events?status=failed", "/console/events?status=failed"),
                                     ("//evil.example/console", "/console"), ("https://evil.example/x", "/console")] {
                let form = try await ConsoleTest.get(client, "/console/sign-in")
                let answer = try await ConsoleTest.post(
                    client, "/console/sign-in", [("_csrf", try #require(form.csrf)), ("token", AdminTest.bobToken), ("next", next)],
                    cookie: "bw_console_signin=\(try #require(form.cookie("bw_console_signin")))")
                #expect(answer.status == 303)
                #expect(answer.location == expected, "next=\(next)")
            }
        }
    }

    /// The session cookie is HttpOnly, SameSite=Strict and scoped to /console; Secure when the proxy
    /// says the request came over TLS, or when the settings ask for it.
    @Test func sessionCookieAttributes() async throws {
        try await TestApp.withApp { client, _ in
            for (proto, secure) in [(nil, false), ("https", true), ("http", false)] {
                var headers: HTTPFields = [:]
                if let proto { headers[HTTPField.Name("X-Forwarded-Proto")!] = proto }
                let form = try await ConsoleTest.get(client, "/console/sign-in", headers: headers)
                let answer = try await ConsoleTest.post(
                    client, "/console/sign-in", [("_csrf", try #require(form.csrf)), ("token", AdminTest.aliceToken)],
                    cookie: "bw_console_signin=\(try #require(form.cookie("bw_console_signin")))", headers: headers)
                let set = try #require(answer.setCookies.first { $0.hasPrefix("bw_console=") })
                #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/console"))
                #expect(set.contains("Max-Age=28800"))
                #expect(set.contains("Secure") == secure, "X-Forwarded-Proto \(proto ?? "none")")
            }
        }
        try await TestApp.withApp(configure: { $0.consoleSecureCookies = true }) { client, _ in
            let form = try await ConsoleTest.get(client, "/console/sign-in")
            #expect(form.setCookies.first?.contains("Secure") == true)
        }
    }

    /// A wrong token is refused (401, no session cookie); a sign-in post without the form's own
    /// CSRF cookie is refused (403).
    @Test func signInRefusals() async throws {
        try await TestApp.withApp { client, _ in
            let form = try await ConsoleTest.get(client, "/console/sign-in")
            let csrf = try #require(form.csrf)
            let cookie = "bw_console_signin=\(try #require(form.cookie("bw_console_signin")))"
            let wrong = try await ConsoleTest.post(client, "/console/sign-in", [("_csrf", csrf), ("token", "tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1cx")], cookie: cookie)
            #expect(wrong.status == 401 && wrong.cookie("bw_console") == nil)
            #expect(wrong.html.contains("That token is not valid."))
            let noCookie = try await ConsoleTest.post(client, "/console/sign-in", [("_csrf", csrf), ("token", AdminTest.aliceToken)])
            #expect(noCookie.status == 403 && noCookie.cookie("bw_console") == nil)
            let wrongCSRF = try await ConsoleTest.post(client, "/console/sign-in", [("_csrf", "x" + csrf), ("token", AdminTest.aliceToken)],
                                                       cookie: cookie)
            #expect(wrongCSRF.status == 403 && wrongCSRF.cookie("bw_console") == nil)
        }
    }

    /// A form posted without its CSRF token, with a wrong one, or with another admin's session
    /// token is refused with 403 and changes nothing; with the right token it goes through.
    @Test func formsWithoutTheirCSRFTokenAreRefused() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_csrf", status: .pastDue, openAlert: true)
            let alice = try await ConsoleTest.signIn(client)
            let bob = try await ConsoleTest.signIn(client, token: AdminTest.bobToken)
            let uri = "/console/clients/c_csrf/confirm-payment"
            for fields in [[("reason", "wire received")], [("_csrf", ""), ("reason", "wire received")],
                           [("_csrf", alice.csrf + "x"), ("reason", "wire received")], [("_csrf", bob.csrf), ("reason", "wire received")]] {
                let page = try await ConsoleTest.post(client, uri, fields, cookie: alice.cookieHeader)
                #expect(page.status == 403)
                #expect(page.html.contains("security token is missing or stale"))
            }
            #expect(try await AdminTest.auditCount(pool) == 0)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM client_billing WHERE status = 'PAST_DUE'") == 1)
            let page = try await ConsoleTest.post(client, uri, [("_csrf", alice.csrf), ("reason", "wire received")], cookie: alice.cookieHeader)
            #expect(page.status == 303 && page.location == "/console/clients/c_csrf?done=confirm-payment")
            #expect(try await AdminTest.auditCount(pool) == 1)
        }
    }

    /// The header names the signed-in admin and offers sign-out, which clears the cookie.
    @Test func headerShowsTheAdminAndSignOutClearsTheCookie() async throws {
        try await TestApp.withApp { client, _ in
            let bob = try await ConsoleTest.signIn(client, token: AdminTest.bobToken)
            let page = try await ConsoleTest.get(client, "/console", cookie: bob.cookieHeader)
            #expect(page.status == 200)
            #expect(page.html.contains(#"<strong id="admin-id">bob</strong>"#))
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(page.headers[.cacheControl] == "no-store")
            let out = try await ConsoleTest.post(client, "/console/sign-out", [("_csrf", bob.csrf)], cookie: bob.cookieHeader)
            #expect(out.status == 303 && out.location == "/console/sign-in")
            let cleared = try #require(out.setCookies.first { $0.hasPrefix("bw_console=") })
            #expect(cleared.hasPrefix("bw_console=;") && cleared.contains("Max-Age=0"))
        }
    }
}
