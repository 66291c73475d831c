import BillingServer
import Foundation
import Testing

/// What `serve` accepts as admin tokens at start (issue 16).
@Suite struct AdminTokenRulesTests {
    /// Short tokens and reserved admin ids are refused with one line that says how to make a token.
    @Test func tokenRules() {
        let good = String(repeating: "a", count: 32)
        #expect(AdminTokenRules.problem(in: [("oncall", good), ("bob", good + "b")]) == nil)
        #expect(AdminTokenRules.problem(in: []) == nil)
        for pairs in [[("oncall", String(repeating: "a", count: 31))], [("system", good)], [("Importer", good)], [("reconciler", good)]] {
            let problem = AdminTokenRules.problem(in: pairs.map { (adminId: $0.0, token: $0.1) })
            #expect(problem?.contains("openssl rand -hex 32") == true)
            #expect(problem?.contains("\n") == false)
            #expect(problem?.contains(good) == false)
        }
    }

    /// `serve` refuses a short token at start: one line naming the rule, exit 2.
    @Test func serveRefusesAShortToken() throws {
        let (process, err) = try ServeProcessTests.launch(["serve"], environment: [
            "PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "STRIPE_WEBHOOK_SECRETS": "whsec_x",
            "BILLING_ADMIN_TOKENS": "oncall:short-token",
        ])
        process.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(text.split(separator: "\n").count == 1)
        #expect(text.contains("openssl rand -hex 32") && text.contains("oncall") && !text.contains("short-token"))
    }
}
