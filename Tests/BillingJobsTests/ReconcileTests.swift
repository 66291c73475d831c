import BillingCore
import BillingJobs
import BillingPostgres
import BillingTestSupport
import Foundation
import StripeAPI
import Testing

/// `billing-worker reconcile` against a fake Stripe API: drift report, repair, back-fill.
@Suite struct ReconcileTests {
    static let periodA: Int64 = 1_752_000_000
    static let periodB: Int64 = 1_754_600_000

    /// `clt_a` in sync, `clt_b` drifted on all three fields, `clt_c` MANUAL (pinned) and drifted,
    /// `clt_d` without a subscription.
    static func seed(_ pool: PGPool, _ fake: FakeStripe) async throws {
        try await JobTest.seedClient(pool, "clt_a", n: 1, status: "active", periodEnd: periodA)
        try await JobTest.seedClient(pool, "clt_b", n: 2, status: "active", periodEnd: periodA)
        try await JobTest.seedClient(pool, "clt_c", n: 3, status: "active", periodEnd: periodA)
        _ = try await JobTest.rows(pool, "UPDATE client_billing SET payment_source = 'MANUAL' WHERE client_id = 'clt_c' RETURNING 1")
        try await JobTest.createClient(pool, "clt_d")
        fake.addSubscription(id: "sub_1", json: FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: periodA))
        fake.addSubscription(id: "sub_2", json: FakeStripe.subscription(
            id: "sub_2", customer: "cus_2", status: "past_due", periodEnd: periodB, cancelAtPeriodEnd: true))
        fake.addSubscription(id: "sub_3", json: FakeStripe.subscription(id: "sub_3", customer: "cus_3", status: "canceled", periodEnd: periodA))
    }

    static func run(_ pool: PGPool, _ base: String, _ options: Reconciler.Options,
                    now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) async throws -> ReconcileReport {
        try await StripeClient.withCurlClient(
            configuration: StripeConfiguration(apiKey: FakeStripe.key, apiBase: base), sleep: { _ in }) { client in
            try await Reconciler(pool: pool, stripe: client, handler: BillingEventHandler(livemode: nil), now: now).run(options)
        }
    }

    /// Without `--apply`: the drift table and JSON name every drifted field, the pinned client is
    /// not drift, the exit status is 3 and nothing changes.
    @Test func driftTableAndJSON() async throws {
        let fake = FakeStripe()
        try await JobTest.withPool { pool in
            try await Self.seed(pool, fake)
            let before = try await JobTest.snapshot(pool)
            let report = try await fake.serve { base in try await Self.run(pool, base, .init()) }
            #expect(report.checked == 3)
            #expect(report.exitCode == 3)
            #expect(report.drift.map(\.clientId) == ["clt_b", "clt_b", "clt_b"])
            #expect(report.drift.map(\.drift.field) == [.status, .currentPeriodEnd, .cancelAtPeriodEnd])
            #expect(report.drift.allSatisfy { !$0.repaired })
            #expect(report.pinned.map(\.clientId) == ["clt_c"])
            #expect(try await JobTest.snapshot(pool) == before)

            let table = report.renderTable()
            #expect(table.contains("CLIENT"))
            let statusLine = try #require(table.split(separator: "\n").first { $0.hasPrefix("clt_b") && $0.contains("status") })
            #expect(statusLine.split(separator: " ").map(String.init) == ["clt_b", "status", "ACTIVE", "PAST_DUE", "drift"])
            #expect(table.contains("2025-08-07T20:53:20Z"))
            #expect(table.contains("pinned (MANUAL)"))
            #expect(table.contains("not repaired (run with --apply)"))

            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.renderJSON().utf8)) as? [String: Any])
            #expect(json["checked"] as? Int == 3)
            #expect(json["backfilled"] as? Int == 0)
            let drift = try #require(json["drift"] as? [[String: Any]])
            #expect(drift.count == 3)
            #expect(drift[0]["client_id"] as? String == "clt_b")
            #expect(drift[0]["field"] as? String == "status")
            #expect(drift[0]["local"] as? String == "ACTIVE")
            #expect(drift[0]["stripe"] as? String == "PAST_DUE")
            #expect(drift[0]["repaired"] as? Bool == false)
            #expect(drift[1]["stripe"] as? String == "2025-08-07T20:53:20Z")
            #expect(drift[2]["local"] as? Bool == false && drift[2]["stripe"] as? Bool == true)
            #expect((json["pinned"] as? [[String: Any]])?.first?["payment_source"] as? String == "MANUAL")
        }
    }

    /// `--apply` repairs through the state machine with the fetch time as watermark, one audit
    /// row per repaired client (admin `reconciler`, reason naming the run); a second run finds no drift.
    @Test func applyRepairsWithAuditRow() async throws {
        let fake = FakeStripe()
        try await JobTest.withPool { pool in
            try await Self.seed(pool, fake)
            let started = Int64(Date().timeIntervalSince1970)
            let report = try await fake.serve { base in try await Self.run(pool, base, .init(apply: true)) }
            #expect(report.exitCode == 3)
            #expect(report.drift.count == 3 && report.drift.allSatisfy(\.repaired))
            #expect(report.renderTable().contains("3 repaired"))
            #expect(report.renderTable().contains("repaired"))

            let b = try #require(try await JobTest.rows(pool, """
                SELECT status::text AS s, extract(epoch FROM current_period_end)::bigint AS pe, cancel_at_period_end AS c,
                       last_event_id, extract(epoch FROM last_event_created_at)::bigint AS mark
                FROM client_billing WHERE client_id = 'clt_b'
                """).first)
            #expect(b.string("s") == "PAST_DUE")
            #expect(b.int64("pe") == Self.periodB)
            #expect(b.bool("c") == true)
            #expect(b.string("last_event_id") == "reconcile:sub_2")
            #expect((b.int64("mark") ?? 0) >= started)
            let c = try await JobTest.rows(pool, "SELECT status::text AS s FROM client_billing WHERE client_id = 'clt_c'")
            #expect(c.first?.string("s") == "ACTIVE")
            let alerts = try await JobTest.rows(pool, "SELECT client_id, severity FROM alert_logs WHERE alert_type = 'PAYMENT_GATE'")
            #expect(alerts.map { $0.string("client_id") } == ["clt_b"])

            let audit = try await JobTest.rows(pool, "SELECT admin_id, client_id, action, reason, metadata::text AS m FROM admin_actions")
            #expect(audit.count == 1)
            #expect(audit.first?.string("admin_id") == "reconciler")
            #expect(audit.first?.string("client_id") == "clt_b")
            #expect(audit.first?.string("action") == "reconcile")
            #expect(audit.first?.string("reason") == report.run)
            #expect(report.run.hasPrefix("reconcile run 20"))
            #expect(audit.first?.string("m")?.contains("PAST_DUE") == true)
            // The repair is in the client's status history, caused by reconcile (issue 18).
            let history = try await JobTest.rows(pool, """
                SELECT from_status || '→' || to_status AS change, cause, stripe_subscription_id
                FROM billing_status_history WHERE client_id = 'clt_b' ORDER BY id DESC LIMIT 1
                """).first
            #expect(history?.string("change") == "ACTIVE→PAST_DUE" && history?.string("cause") == "reconcile")
            #expect(history?.string("stripe_subscription_id") == "sub_2")

            let again = try await fake.serve { base in try await Self.run(pool, base, .init(apply: true)) }
            #expect(again.drift.isEmpty && again.exitCode == 0)
            #expect(try await JobTest.rows(pool, "SELECT id FROM admin_actions").count == 1)
        }
    }

    /// `--client` checks one client; an unknown client is an error; a subscription Stripe does
    /// not know is reported per client with exit status 1.
    @Test func singleClientAndErrors() async throws {
        let fake = FakeStripe()
        try await JobTest.withPool { pool in
            try await Self.seed(pool, fake)
            let (one, none) = try await fake.serve { base in
                let one = try await Self.run(pool, base, .init(clientId: "clt_a"))
                let none = try await Self.run(pool, base, .init(clientId: "clt_d"))
                return (one, none)
            }
            #expect(one.checked == 1 && one.drift.isEmpty && one.exitCode == 0)
            #expect(none.checked == 0 && none.exitCode == 0)
            #expect(fake.requests.map(\.path) == ["/v1/subscriptions/sub_1"])
            let error = await #expect(throws: BillingJobsError.self) {
                try await fake.serve { base in try await Self.run(pool, base, .init(clientId: "clt_zzz")) }
            }
            #expect(error?.code == .notFound)

            try await JobTest.seedClient(pool, "clt_e", n: 5, status: "active", periodEnd: Self.periodA)
            let missing = try await fake.serve { base in try await Self.run(pool, base, .init(clientId: "clt_e")) }
            #expect(missing.errors.map(\.clientId) == ["clt_e"])
            #expect(missing.exitCode == 1)
        }
    }

    /// Back-fill stores exactly the events not yet stored (source `backfill`, delivery_count 0),
    /// asks only for the acted-on types, processes them, and the comparison then sees no drift.
    @Test func backfillStoresExactlyTheMissingEvents() async throws {
        let fake = FakeStripe()
        let now = Int64(Date().timeIntervalSince1970)
        try await JobTest.withPool { pool in
            try await JobTest.seedClient(pool, "clt_b", n: 2, status: "active", periodEnd: Self.periodA, created: now - 7_200)
            let known = JobTest.subscriptionEvent(id: "evt_known", created: now - 3_600, subscription: "sub_2", customer: "cus_2",
                                                  status: "active", periodEnd: Self.periodA)
            try await JobTest.store(pool, [known])
            try await JobTest.processAll(pool)
            let missed1 = JobTest.subscriptionEvent(id: "evt_missed_1", created: now - 1_800, subscription: "sub_2", customer: "cus_2",
                                                    status: "past_due", periodEnd: Self.periodA)
            let missed2 = JobTest.subscriptionEvent(id: "evt_missed_2", created: now - 900, subscription: "sub_2", customer: "cus_2",
                                                    status: "unpaid", periodEnd: Self.periodB)
            fake.addEvent(id: "evt_known", created: now - 3_600, type: "customer.subscription.updated", json: known)
            fake.addEvent(id: "evt_missed_1", created: now - 1_800, type: "customer.subscription.updated", json: missed1)
            fake.addEvent(id: "evt_missed_2", created: now - 900, type: "customer.subscription.updated", json: missed2)
            fake.addEvent(id: "evt_charge", created: now - 600, type: "charge.succeeded", json: #"{"id":"evt_charge"}"#)
            fake.addSubscription(id: "sub_2", json: FakeStripe.subscription(id: "sub_2", customer: "cus_2", status: "unpaid", periodEnd: Self.periodB))

            let report = try await fake.serve { base in
                try await Self.run(pool, base, .init(backfillSince: now - 86_400), now: { now })
            }
            #expect(report.backfilled == 2)
            #expect(report.drift.isEmpty)
            #expect(report.exitCode == 0)
            let rows = try await JobTest.rows(pool, """
                SELECT stripe_event_id, source, delivery_count, status FROM billing_events
                WHERE source = 'backfill' ORDER BY stripe_event_id
                """)
            #expect(rows.map { $0.string("stripe_event_id") } == ["evt_missed_1", "evt_missed_2"])
            #expect(rows.allSatisfy { $0.int("delivery_count") == 0 && $0.string("status") == "processed" })
            let status = try await JobTest.rows(pool, "SELECT status::text AS s FROM client_billing WHERE client_id = 'clt_b'")
            #expect(status.first?.string("s") == "UNPAID")
            let listCall = try #require(fake.requests.first { $0.path == "/v1/events" })
            #expect(Set(listCall.values("types[]")) == Set(ActedOnEventType.allCases.map(\.rawValue)))
            #expect(listCall.values("created[gte]") == [String(now - 86_400)])
        }
    }

    /// A back-fill bound older than Stripe's 30 days is a usage error (exit 2) before any request.
    @Test func backfillOlderThan30DaysIsUsageError() async throws {
        let fake = FakeStripe()
        let now = Int64(Date().timeIntervalSince1970)
        try await JobTest.withPool { pool in
            let error = await #expect(throws: BillingJobsError.self) {
                try await fake.serve { base in
                    try await Self.run(pool, base, .init(backfillSince: now - 31 * 86_400), now: { now })
                }
            }
            #expect(error?.exitCode == 2)
            #expect(error?.message.contains("30 days") == true)
            #expect(fake.requests.isEmpty)
        }
    }
}
