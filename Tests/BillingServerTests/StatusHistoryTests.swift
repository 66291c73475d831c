import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `billing_status_history` (issue 18): one row per change of status or payment source, written in the
/// change's transaction on every path, append-only, and served by `GET /api/admin/clients/{id}/history`.
@Suite struct StatusHistoryTests {
    /// `client_id|from→to|source→source|cause|detail` of every row of `clientId`, oldest first.
    static func history(_ pool: PGPool, _ clientId: String) async throws -> [String] {
        try await TestApp.rows(pool, """
            SELECT concat_ws('|', from_status || '→' || to_status, from_source || '→' || to_source, cause,
                             coalesce(stripe_event_id, admin_id || ':' || admin_action, stripe_subscription_id)) AS line
            FROM billing_status_history WHERE client_id = '\(clientId)' ORDER BY id
            """).map { $0.string("line") ?? "" }
    }

    /// Processing through the batch path and one by one writes the same rows, each naming its event.
    @Test(arguments: [true, false]) func eventProcessingWritesHistory(batchPath: Bool) async throws {
        try await JobTest.withPool { pool in
            try await JobTest.createClient(pool, "clt_h")
            try await JobTest.store(pool, [
                JobTest.checkout(id: "evt_h1", created: JobTest.t0, client: "clt_h", customer: "cus_h", subscription: "sub_h"),
                JobTest.subscriptionEvent(id: "evt_h2", created: JobTest.t0 + 1, subscription: "sub_h", customer: "cus_h",
                                          status: "active", periodEnd: JobTest.t0 + 86_400),
                JobTest.subscriptionEvent(id: "evt_h3", created: JobTest.t0 + 2, subscription: "sub_h", customer: "cus_h",
                                          status: "past_due", periodEnd: JobTest.t0 + 86_400),
                JobTest.subscriptionEvent(id: "evt_h4", created: JobTest.t0 + 3, subscription: "sub_h", customer: "cus_h",
                                          status: "past_due", periodEnd: JobTest.t0 + 90_000),
            ])
            let handler: any EventHandler = batchPath ? BillingEventHandler(livemode: nil)
                : OneByOneHandler(inner: BillingEventHandler(livemode: nil))
            let report = try await pool.withConnection { s in
                try EventQueue().processBatch(handler: handler, in: s, now: JobTest.t0 + 10, clock: { 0 })
            }
            #expect(report.processed == 4)
            #expect(try await Self.history(pool, "clt_h") == [
                "PENDING→PENDING|NONE→STRIPE|event|evt_h1",
                "PENDING→ACTIVE|STRIPE→STRIPE|event|evt_h2",
                "ACTIVE→PAST_DUE|STRIPE→STRIPE|event|evt_h3",
            ])
        }
    }

    /// confirm-payment and waive write a row naming the admin and the action; an action that changes
    /// neither status nor source (reset-payment-alert) writes none. The API lists them newest first,
    /// paged, and answers 404 for an unknown client.
    @Test func adminActionsWriteHistoryAndTheAPIListsIt() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_hist", status: .pastDue, openAlert: true)
            for action in ["confirm-payment", "reset-payment-alert", "waive"] {
                #expect(try await AdminTest.post(client, "/api/admin/clients/c_hist/\(action)").status == 200)
            }
            #expect(try await Self.history(pool, "c_hist") == [
                "PAST_DUE→ACTIVE|STRIPE→MANUAL|admin|alice:confirm-payment",
                "ACTIVE→ACTIVE|MANUAL→WAIVED|admin|alice:waive",
            ])
            let first = try await AdminTest.get(client, "/api/admin/clients/c_hist/history?limit=1")
            #expect(first.status == 200)
            #expect(first.data.map { $0["admin_action"] as? String } == ["waive"])
            #expect(first.data.first?["from_source"] as? String == "MANUAL" && first.data.first?["cause"] as? String == "admin")
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await AdminTest.get(client, "/api/admin/clients/c_hist/history?limit=1&cursor=\(cursor)")
            #expect(second.data.map { $0["admin_action"] as? String } == ["confirm-payment"])
            #expect(second.json["next_cursor"] is NSNull)
            #expect(try await AdminTest.get(client, "/api/admin/clients/nobody/history").status == 404)
            #expect(try await AdminTest.get(client, "/api/admin/clients/c_hist/history?limit=0").status == 400)
            #expect(try await AdminTest.get(client, "/api/admin/clients/c_hist/history", token: nil).status == 401)
        }
    }

    /// The database refuses UPDATE, DELETE and TRUNCATE of the history, as of the alert log.
    @Test(arguments: [
        "UPDATE billing_status_history SET to_status = 'ACTIVE'",
        "DELETE FROM billing_status_history",
        "TRUNCATE billing_status_history",
    ]) func historyIsAppendOnly(statement: String) async throws {
        try await JobTest.withPool { pool in
            try await JobTest.createClient(pool, "clt_ao")
            _ = try await JobTest.rows(pool, """
                INSERT INTO billing_status_history (client_id, from_status, to_status, from_source, to_source, cause, admin_id, admin_action)
                VALUES ('clt_ao', 'PENDING', 'ACTIVE', 'NONE', 'MANUAL', 'admin', 'alice', 'confirm-payment') RETURNING id
                """)
            await #expect(throws: PostgresError.self) { _ = try await JobTest.rows(pool, statement) }
            #expect(try await JobTest.rows(pool, "SELECT to_status::text AS s FROM billing_status_history").map { $0.string("s") } == ["ACTIVE"])
        }
    }
}
