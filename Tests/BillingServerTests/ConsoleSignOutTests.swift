import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Console sign-out revokes the session on the server, for every replica (issue 16).
@Suite struct ConsoleSignOutTests {
    /// After sign-out, a copy of the session cookie no longer opens any page — on this replica
    /// and on another one sharing the database — and the sign-in form is shown again for it.
    @Test func signOutRevokesACopiedCookieEverywhere() async throws {
        try await TestApp.withApp { client, pool in
            let alice = try await ConsoleTest.signIn(client)
            #expect(try await ConsoleTest.get(client, "/console", cookie: alice.cookieHeader).status == 200)

            let out = try await ConsoleTest.post(client, "/console/sign-out", [("_csrf", alice.csrf)], cookie: alice.cookieHeader)
            #expect(out.status == 303)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM console_revoked_sessions WHERE admin_id = 'alice'") == 1)

            let copied = try await ConsoleTest.get(client, "/console/clients", cookie: alice.cookieHeader)
            #expect(copied.status == 303)
            #expect(copied.location?.hasPrefix("/console/sign-in") == true)
            let form = try await ConsoleTest.get(client, "/console/sign-in", cookie: alice.cookieHeader)
            #expect(form.status == 200)
            let post = try await ConsoleTest.post(client, "/console/clients/x/pause-outbound", [("_csrf", alice.csrf), ("reason", "r")],
                                                  cookie: alice.cookieHeader)
            #expect(post.status == 303 && post.location?.hasPrefix("/console/sign-in") == true)

            // A second replica: another application on the same database and tokens.
            let parts = BillingApplicationParts(settings: TestApp.settings(url: pool.url), pool: pool, handler: CountingHandler(),
                                                logger: Logger(label: "replica", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await buildApplication(parts, runProcessor: false).test(.router) { replica in
                let there = try await ConsoleTest.get(replica, "/console", cookie: alice.cookieHeader)
                #expect(there.status == 303)
                let bob = try await ConsoleTest.signIn(replica, token: AdminTest.bobToken)
                #expect(try await ConsoleTest.get(replica, "/console", cookie: bob.cookieHeader).status == 200)
            }
            // Signing in again gives a new, working session.
            let again = try await ConsoleTest.signIn(client)
            #expect(try await ConsoleTest.get(client, "/console", cookie: again.cookieHeader).status == 200)
        }
    }
}
