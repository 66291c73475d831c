import BillingCore
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// The fixture story of `clt_acme` through `POST /webhooks/stripe` → processor →
/// `client_billing`, `client_controls`, `alert_logs`, in both API shapes.
@Suite struct EndToEndTests {
    static let expected: [BillingStatus] = [
        .pending, .trialing, .trialing, .active, .active, .pastDue, .pastDue, .unpaid, .active, .active, .canceled,
    ]

    static func fixtureFiles(_ version: String) throws -> [URL] {
        let dir = TestDatabase.repositoryRoot().appendingPathComponent("Tests/Fixtures/stripe/\(version)")
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Every step of the story ends in the status the fixtures README lists; the alerts and
    /// final billing row match it too.
    @Test(arguments: ["2024-06-20", "2025-03-31.basil"])
    func fixtureStoryThroughWebhook(_ version: String) async throws {
        let files = try Self.fixtureFiles(version)
        try #require(files.count == 11)
        try await TestApp.withApp { client, pool in
            _ = try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('clt_acme', 'Acme Dental') RETURNING id")
            let queue = EventQueue()
            let handler = BillingEventHandler(livemode: nil)
            for (i, file) in files.enumerated() {
                let body = Array(try Data(contentsOf: file))
                let (status, _) = try await TestApp.deliver(client, body)
                #expect(status == 200, "\(file.lastPathComponent)")
                _ = try await pool.withConnection { session in
                    try queue.processBatch(handler: handler, in: session, now: Int64(Date().timeIntervalSince1970), clock: { 0 })
                }
                let row = try await TestApp.rows(pool, "SELECT status::text AS status FROM client_billing WHERE client_id = 'clt_acme'").first
                #expect(row?.string("status") == Self.expected[i].rawValue, "after \(file.lastPathComponent)")
            }
            let unsettled = try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status NOT IN ('processed', 'ignored')")
            #expect(unsettled == 0)
            let b = try #require(try await TestApp.rows(pool, """
                SELECT stripe_customer_id, stripe_subscription_id, payment_source::text AS source, cancel_at_period_end, last_event_id,
                       extract(epoch FROM trial_started_at)::bigint AS trial_start, extract(epoch FROM trial_ends_at)::bigint AS trial_end,
                       extract(epoch FROM current_period_start)::bigint AS ps, extract(epoch FROM current_period_end)::bigint AS pe,
                       extract(epoch FROM canceled_at)::bigint AS canceled_at
                FROM client_billing WHERE client_id = 'clt_acme'
                """).first)
            #expect(b.string("stripe_customer_id") == "cus_SQm4fT8ZkWq1Lb")
            #expect(b.string("stripe_subscription_id") == "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc")
            #expect(b.string("source") == "STRIPE")
            #expect(b.bool("cancel_at_period_end") == false)
            #expect(b.string("last_event_id") == "evt_1RudJ1Gx8ZkQ2aXpZf4t1Wm3")
            #expect(b.int64("trial_start") == 1_748_855_707)
            #expect(b.int64("trial_end") == 1_750_065_307)
            #expect(b.int64("ps") == 1_752_657_307)
            #expect(b.int64("pe") == 1_755_335_707)
            #expect(b.int64("canceled_at") == 1_754_844_129)
            let c = try #require(try await TestApp.rows(pool, "SELECT payment_gate_alert_count, payment_gate_alerted_states::text[] AS states FROM client_controls WHERE client_id = 'clt_acme'").first)
            #expect(c.int("payment_gate_alert_count") == 3)
            #expect(c.array("states") == ["CANCELED"])
            let alerts = try await TestApp.rows(pool, "SELECT severity, alert_key, acknowledged_by, resolution FROM alert_logs WHERE alert_type = 'PAYMENT_GATE' ORDER BY id")
            #expect(alerts.map { $0.string("severity") } == ["WARNING", "CRITICAL", "INFO"])
            #expect(alerts.allSatisfy { $0.string("alert_key") == "payment_gate:clt_acme" })
            #expect(alerts.map { $0.string("acknowledged_by") } == ["system", "system", nil])
            #expect(alerts[0].string("resolution")?.contains("evt_1RrgW2Gx8ZkQ2aXpVb9n5Ru6") == true)
        }
    }

    /// With the processor service running, the basil story settles by itself (LISTEN/NOTIFY wake-up),
    /// with one processor loop (the default) and with two (`BILLING_PROCESSOR_LOOPS`), each of which
    /// claims its own share of the customers.
    @Test(arguments: [1, 2]) func processorServiceSettlesTheStory(loops: Int) async throws {
        let files = try Self.fixtureFiles("2025-03-31.basil")
        try await TestApp.withApp(processor: true, configure: { $0.processorLoops = loops }) { client, pool in
            _ = try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('clt_acme', 'Acme') RETURNING id")
            for file in files {
                #expect(try await TestApp.deliver(client, Array(try Data(contentsOf: file))).0 == 200)
            }
            let settled = try await TestApp.eventually {
                try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status IN ('processed', 'ignored')") == 11
            }
            #expect(settled)
            let status = try await TestApp.rows(pool, "SELECT status::text AS s FROM client_billing WHERE client_id = 'clt_acme'").first?.string("s")
            #expect(status == "CANCELED")
        }
    }

    /// An event whose customer is not linked yet waits `unmatched`, then is processed once the
    /// checkout links the customer.
    @Test func unmatchedEventWaitsForItsCustomer() async throws {
        let files = try Self.fixtureFiles("2025-03-31.basil")
        try await TestApp.withApp { client, pool in
            _ = try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('clt_acme', 'Acme') RETURNING id")
            let queue = EventQueue()
            let handler = BillingEventHandler(livemode: nil)
            func process() async throws {
                _ = try await pool.withConnection { s in try queue.processBatch(handler: handler, in: s, now: Int64(Date().timeIntervalSince1970), clock: { 0 }) }
            }
            // 02 (subscription created, trialing) before the checkout that names the client.
            #expect(try await TestApp.deliver(client, Array(try Data(contentsOf: files[1]))).0 == 200)
            try await process()
            let parked = try await TestApp.rows(pool, "SELECT status, outcome FROM billing_events WHERE stripe_event_id = 'evt_1RVkq2Gx8ZkQ2aXpYc7m2Ld5'").first
            #expect(parked?.string("status") == "unmatched")
            #expect(parked?.string("outcome") == nil)
            #expect(try await TestApp.deliver(client, Array(try Data(contentsOf: files[0]))).0 == 200)
            try await process()
            try await process()
            let after = try await TestApp.rows(pool, "SELECT status FROM billing_events WHERE stripe_event_id = 'evt_1RVkq2Gx8ZkQ2aXpYc7m2Ld5'").first
            #expect(after?.string("status") == "processed")
            let status = try await TestApp.rows(pool, "SELECT status::text AS s FROM client_billing WHERE client_id = 'clt_acme'").first?.string("s")
            #expect(status == "TRIALING")
        }
    }

    /// Unknown event types are stored and marked `ignored`.
    @Test func unknownTypeIsIgnored() async throws {
        try await TestApp.withApp { client, pool in
            #expect(try await TestApp.deliver(client, TestApp.eventBody(id: "evt_unknown", type: "charge.succeeded")).0 == 200)
            _ = try await pool.withConnection { s in
                try EventQueue().processBatch(handler: BillingEventHandler(livemode: nil), in: s, now: 0, clock: { 0 })
            }
            let row = try await TestApp.rows(pool, "SELECT status, outcome FROM billing_events WHERE stripe_event_id = 'evt_unknown'").first
            #expect(row?.string("status") == "ignored")
            #expect(row?.string("outcome") == "ignored")
        }
    }
}
