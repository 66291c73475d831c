import BillingCore
import BillingJobs
import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// `billing-worker replay`: stored events re-run through the production handler.
@Suite struct ReplayTests {
    static func job(_ pool: PGPool) -> ReplayJob {
        ReplayJob(pool: pool, handler: BillingEventHandler(livemode: nil), now: { JobTest.t0 + 2_000 })
    }

    /// A client `clt_live` in ACTIVE, plus an event of `clt_late` stored before that client existed
    /// (so it is `unmatched`), and the client restored afterwards without firing triggers (as logical
    /// replication or a restore does): the event stays `unmatched` until the processor's sweep or a replay.
    static func seedUnmatched(_ pool: PGPool) async throws {
        try await JobTest.seedClient(pool, "clt_live", n: 1, status: "active", periodEnd: JobTest.t0 + 86_400)
        try await JobTest.store(pool, [JobTest.subscriptionEvent(
            id: "evt_late", created: JobTest.t0 + 10, type: "customer.subscription.created", subscription: "sub_late",
            customer: "cus_late", status: "trialing", periodEnd: JobTest.t0 + 86_400, clientId: "clt_late")])
        try await JobTest.processAll(pool)
        #expect(try await JobTest.rows(pool, "SELECT status FROM billing_events WHERE stripe_event_id = 'evt_late'").first?.string("status") == "unmatched")
        try await JobTest.createClientWithoutTriggers(pool, "clt_late")
    }

    /// A dry run reports, per event, the status before and after and the outcome, and changes nothing.
    @Test func dryRunChangesNothing() async throws {
        try await JobTest.withPool { pool in
            try await Self.seedUnmatched(pool)
            let before = try await JobTest.snapshot(pool)
            let report = try await Self.job(pool).run(ReplaySelection(), dryRun: true)
            #expect(report.records.map(\.stripeEventId) == ["evt_co_1", "evt_su_1", "evt_late"])
            let late = try #require(report.records.last)
            #expect(late.statusBefore == .unmatched && late.outcomeBefore == nil)
            #expect(late.statusAfter == .processed && late.outcomeAfter == .applied)
            #expect(late.clientId == "clt_late")
            #expect(report.render().contains("unmatched"))
            #expect(report.render().contains("processed/applied"))
            #expect(report.render().contains("dry run, nothing was changed"))
            #expect(try await JobTest.snapshot(pool) == before)
        }
    }

    /// A real replay applies what the dry run showed; replaying the same events again changes nothing.
    @Test func replayTwiceChangesNothingTheSecondTime() async throws {
        try await JobTest.withPool { pool in
            try await Self.seedUnmatched(pool)
            let dry = try await Self.job(pool).run(ReplaySelection(), dryRun: true)
            let first = try await Self.job(pool).run(ReplaySelection(), dryRun: false)
            #expect(first.records.map(\.statusAfter) == dry.records.map(\.statusAfter))
            #expect(first.records.map(\.outcomeAfter) == dry.records.map(\.outcomeAfter))
            #expect(first.exitCode == 0)
            let billing = try await JobTest.rows(pool, "SELECT status::text AS s, stripe_subscription_id FROM client_billing WHERE client_id = 'clt_late'")
            #expect(billing.first?.string("s") == "TRIALING")
            #expect(billing.first?.string("stripe_subscription_id") == "sub_late")
            let afterFirst = try await JobTest.snapshot(pool)
            // The replayed event's change is in the history, once (issue 18).
            let historyQuery = """
                SELECT from_status || '→' || to_status AS change, cause, stripe_event_id
                FROM billing_status_history WHERE client_id = 'clt_late' ORDER BY id
                """
            let history = try await JobTest.rows(pool, historyQuery)
            #expect(history.map { $0.string("change") } == ["PENDING→TRIALING"])
            #expect(history.first?.string("cause") == "event" && history.first?.string("stripe_event_id") == "evt_late")

            let second = try await Self.job(pool).run(ReplaySelection(), dryRun: false)
            #expect(second.changed == 0)
            #expect(second.records.count == 3)
            #expect(try await JobTest.snapshot(pool) == afterFirst)
            #expect(try await JobTest.rows(pool, historyQuery).count == 1)
        }
    }

    /// The fixture story stored by `ingest` and never processed: a first replay processes it in
    /// `created` order (re-running the event a later checkout re-queued) to the story's end; a
    /// second replay changes nothing, though it re-decides every event against the end state.
    @Test func fixtureStoryReplayedTwice() async throws {
        try await JobTest.withPool { pool in
            try await JobTest.createClient(pool, "clt_acme")
            let data = Array(try Data(contentsOf: BillingTestSupportPaths.fixture("stripe/export-list.json")))
            _ = try await EventImporter(pool: pool).ingest(data, name: "export-list.json")
            let first = try await Self.job(pool).run(ReplaySelection(), dryRun: false)
            #expect(first.records.count == 11)
            #expect(first.records.allSatisfy { $0.statusBefore == .received && $0.statusAfter != .received })
            let status = try await JobTest.rows(pool, "SELECT status::text AS s FROM client_billing WHERE client_id = 'clt_acme'")
            #expect(status.first?.string("s") == "CANCELED")
            let pending = try await JobTest.rows(pool, "SELECT id FROM billing_events WHERE status NOT IN ('processed', 'ignored')")
            #expect(pending.isEmpty)
            let afterFirst = try await JobTest.snapshot(pool)

            let second = try await Self.job(pool).run(ReplaySelection(), dryRun: false)
            #expect(second.changed == 0 && second.failed == 0)
            #expect(second.records.contains { $0.decided == .stale })
            #expect(try await JobTest.snapshot(pool) == afterFirst)
        }
    }

    /// Filters select by Stripe `created`, status and event id; an unknown `--event-id` is an error.
    @Test func filtersSelectEvents() async throws {
        try await JobTest.withPool { pool in
            try await Self.seedUnmatched(pool)
            let job = Self.job(pool)
            let unmatched = try await job.run(ReplaySelection(status: .unmatched), dryRun: true)
            #expect(unmatched.records.map(\.stripeEventId) == ["evt_late"])
            let window = try await job.run(ReplaySelection(since: JobTest.t0 + 1, until: JobTest.t0 + 1), dryRun: true)
            #expect(window.records.map(\.stripeEventId) == ["evt_su_1"])
            let client = try await job.run(ReplaySelection(clientId: "clt_live"), dryRun: true)
            #expect(client.records.map(\.stripeEventId) == ["evt_co_1", "evt_su_1"])
            let error = await #expect(throws: BillingJobsError.self) {
                try await job.run(ReplaySelection(stripeEventId: "evt_nope"), dryRun: false)
            }
            #expect(error?.code == .notFound)
        }
    }

    /// The single-event entry point of the admin route: a dry run in the caller's transaction
    /// changes nothing, a real one applies; an unknown id is `nil`.
    @Test func singleEventReplayForTheAdminRoute() async throws {
        try await JobTest.withPool { pool in
            try await Self.seedUnmatched(pool)
            let before = try await JobTest.snapshot(pool)
            let handler = BillingEventHandler(livemode: nil)
            let dry = try await pool.withTransaction { s in
                try EventReplay.replay(stripeEventId: "evt_late", handler: handler, dryRun: true, now: JobTest.t0, in: s)
            }
            #expect(dry?.statusAfter == .processed)
            #expect(try await JobTest.snapshot(pool) == before)
            let real = try await pool.withTransaction { s in
                try EventReplay.replay(stripeEventId: "evt_late", handler: handler, now: JobTest.t0, in: s)
            }
            #expect(real?.outcomeAfter == .applied)
            let missing = try await pool.withTransaction { s in
                try EventReplay.replay(stripeEventId: "evt_missing", handler: handler, now: JobTest.t0, in: s)
            }
            #expect(missing == nil)
        }
    }

    /// A pruned event cannot be replayed: it is reported and the run exits 1, changing nothing.
    @Test func prunedEventIsReported() async throws {
        try await JobTest.withPool { pool in
            try await JobTest.seedClient(pool, "clt_1", n: 1, status: "active", periodEnd: JobTest.t0 + 86_400)
            _ = try await JobTest.rows(pool, "UPDATE billing_events SET payload = NULL, body = NULL WHERE stripe_event_id = 'evt_su_1' RETURNING id")
            let report = try await Self.job(pool).run(ReplaySelection(stripeEventId: "evt_su_1"), dryRun: false)
            #expect(report.failed == 1)
            #expect(report.exitCode == 1)
            #expect(report.records.first?.error?.contains("pruned") == true)
        }
    }

    /// `CLITime.iso` writes what `ISO8601DateFormatter` writes, across leap years, centuries and the epoch.
    @Test func isoTimesMatchTheFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = .withInternetDateTime
        var samples: [Int64] = [0, -1, 59, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_399, 4_107_542_400,
                                1_709_164_800, 253_402_300_799, -2_208_988_800]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            samples.append(Int64(state >> 33) % 8_000_000_000 - 1_000_000_000)
        }
        for seconds in samples {
            #expect(CLITime.iso(seconds) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))), "\(seconds)")
        }
    }

    /// CLI times: ISO 8601 (with or without fractions or offset), a plain date, or Unix seconds.
    @Test func cliTimesParse() throws {
        #expect(try CLITime.parse("2025-06-02T09:15:07Z", flag: "--since") == 1_748_855_707)
        #expect(try CLITime.parse("2025-06-02T09:15:07.250Z", flag: "--since") == 1_748_855_707)
        #expect(try CLITime.parse("2025-06-02T11:15:07+02:00", flag: "--since") == 1_748_855_707)
        #expect(try CLITime.parse("1748855707", flag: "--since") == 1_748_855_707)
        #expect(try CLITime.parse("2025-06-02", flag: "--since") == 1_748_822_400)
        let error = #expect(throws: BillingJobsError.self) { try CLITime.parse("yesterday", flag: "--since") }
        #expect(error?.exitCode == 2)
        #expect(error?.message.contains("--since") == true)
    }
}
