import BillingCore
import BillingJobs
import BillingPostgres
import BillingTestSupport
import Foundation
import Synchronization
import Testing

/// `replay` through the batch path (issue 19) leaves exactly what replaying one by one leaves.
@Suite struct ReplayBatchTests {
    /// Generated stories of several clients, half processed, some clients restored late, replayed twice with
    /// small batches: the records and every row are the same as through `handle` alone, and the batch path
    /// did the work.
    @Test(arguments: [UInt64(7), 19, 2_024])
    func batchedReplayLeavesWhatOneByOneLeaves(seed: UInt64) async throws {
        let bodies = Self.storyBodies(seed: seed)
        let batched = try await Self.replayTwice(bodies, oneByOne: false)
        let oneByOne = try await Self.replayTwice(bodies, oneByOne: true)
        #expect(batched.first.records.count == Set(bodies.map(\.id)).count)
        #expect(batched.first.records == oneByOne.first.records)
        #expect(batched.second.records == oneByOne.second.records)
        #expect(batched.rows == oneByOne.rows)
        #expect(batched.second.changed == oneByOne.second.changed)
        #expect(oneByOne.handledTogether == 0)
        #expect(batched.handledTogether > 0)
        #expect(batched.handledOneByOne < batched.handledTogether)
    }

    /// A checkout that links a customer re-queues that customer's `unmatched` event: one by one, the later
    /// event is then handed over as `received`. The batch holding both cannot say so, so it steps aside and the
    /// records and rows are those of one by one.
    @Test func eventRequeuedLaterInTheBatchFallsBackOneByOne() async throws {
        let batched = try await Self.replayLinkAfterUnmatched(oneByOne: false)
        let oneByOne = try await Self.replayLinkAfterUnmatched(oneByOne: true)
        #expect(batched.records == oneByOne.records)
        #expect(batched.rows == oneByOne.rows)
        #expect(batched.records.map(\.stripeEventId) == ["evt_co_h", "evt_su_h"])
        #expect(batched.records.last?.statusBefore == .received)
        #expect(batched.records.last?.outcomeAfter == .applied)
        #expect(batched.handledOneByOne == 2)
    }

    /// A second replay that changes nothing writes no event row (the batch settle skips rows it would
    /// write unchanged).
    @Test func secondReplayRewritesNoEventRow() async throws {
        try await JobTest.withPool { pool in
            try await JobTest.createClient(pool, "clt_acme")
            let data = Array(try Data(contentsOf: BillingTestSupportPaths.fixture("stripe/export-list.json")))
            _ = try await EventImporter(pool: pool).ingest(data, name: "export-list.json")
            let job = ReplayJob(pool: pool, handler: BillingEventHandler(livemode: nil), now: { JobTest.t0 + 2_000 })
            _ = try await job.run(ReplaySelection(), dryRun: false)
            let versions = "SELECT stripe_event_id || ' ' || xmin::text AS v FROM billing_events ORDER BY id"
            let before = try await JobTest.rows(pool, versions).map { $0.string("v") }
            let second = try await job.run(ReplaySelection(), dryRun: false)
            #expect(second.changed == 0 && second.records.count == 11)
            #expect(try await JobTest.rows(pool, versions).map { $0.string("v") } == before)
        }
    }

    /// Long runs print progress with the count done and the rate.
    @Test func progressIsShownOnLongRuns() async throws {
        try await JobTest.withPool { pool in
            try await ReplayTests.seedUnmatched(pool)
            let lines = LinesSink()
            let job = ReplayJob(pool: pool, handler: BillingEventHandler(livemode: nil), now: { JobTest.t0 + 2_000 },
                                progress: lines.sink, progressEvery: 2, batchSize: 2)
            let report = try await job.run(ReplaySelection(), dryRun: false)
            #expect(report.records.count == 3)
            #expect(lines.all.contains { $0.hasPrefix("replay: 2/3 events (") && $0.hasSuffix(" events/s)") })
            #expect(lines.all.contains { $0.hasPrefix("replay: 3/3 events") })
        }
    }

    // MARK: - Cases

    struct Outcome: Sendable {
        var first: ReplayReport
        var second: ReplayReport
        var rows: [String]
        var handledTogether: Int
        var handledOneByOne: Int
    }

    /// One generated case's deliveries, rendered as Stripe sends them (first delivery of each id).
    static func storyBodies(seed: UInt64) -> [(id: String, body: String, clientId: String?)] {
        var generator = BillingStoryGenerator(seed: seed)
        let stories = generator.clients(count: 4)
        var random = SeededGenerator(state: seed)
        var seen = Set<String>()
        var bodies: [(String, String, String?)] = []
        for event in generator.deliveries(of: stories) where seen.insert(event.id).inserted {
            let shape = StripeEventRenderer.Shape.allCases.randomElement(using: &random)!
            let owner = stories.first { $0.events.contains { $0.id == event.id } }?.clientId
            bodies.append((event.id, String(decoding: StripeEventRenderer.render(event, shape: shape), as: UTF8.self), owner))
        }
        return bodies
    }

    /// Stores the first half and processes it, stores the rest, restores the last client without triggers (its
    /// events stay `unmatched`), then replays everything twice in batches of 7.
    static func replayTwice(_ bodies: [(id: String, body: String, clientId: String?)], oneByOne: Bool) async throws -> Outcome {
        try await JobTest.withPool { pool in
            let clients = Array(Set(bodies.compactMap(\.clientId))).sorted()
            for client in clients.dropLast() { try await JobTest.createClient(pool, client) }
            let half = bodies.count / 2
            try await JobTest.store(pool, bodies[..<half].map(\.body))
            try await JobTest.processAll(pool)
            try await JobTest.store(pool, bodies[half...].map(\.body))
            if let late = clients.last { try await JobTest.createClientWithoutTriggers(pool, late) }
            let before = try await timestamps(pool)
            let counter = HandlerCounter()
            let job = ReplayJob(pool: pool, handler: counter.handler(oneByOne: oneByOne), now: { JobTest.t0 + 2_000 }, batchSize: 7)
            let first = try await job.run(ReplaySelection(), dryRun: false)
            let second = try await job.run(ReplaySelection(), dryRun: false)
            let rows = try await Self.rows(pool, timestampsBefore: before)
            return Outcome(first: first, second: second, rows: rows, handledTogether: counter.together, handledOneByOne: counter.oneByOne)
        }
    }

    /// Client `clt_h` exists unlinked; a subscription event of `cus_h` was processed first (`unmatched`), then
    /// the earlier checkout linking `cus_h` to `clt_h` arrived and was not processed yet.
    static func replayLinkAfterUnmatched(oneByOne: Bool) async throws -> (records: [ReplayRecord], rows: [String], handledOneByOne: Int) {
        try await JobTest.withPool { pool in
            try await JobTest.createClient(pool, "clt_h")
            try await JobTest.store(pool, [JobTest.subscriptionEvent(
                id: "evt_su_h", created: JobTest.t0 + 5, type: "customer.subscription.created", subscription: "sub_h",
                customer: "cus_h", status: "active", periodEnd: JobTest.t0 + 86_400)])
            try await JobTest.processAll(pool)
            try await JobTest.store(pool, [JobTest.checkout(
                id: "evt_co_h", created: JobTest.t0, client: "clt_h", customer: "cus_h", subscription: "sub_h")])
            let before = try await timestamps(pool)
            let counter = HandlerCounter()
            let job = ReplayJob(pool: pool, handler: counter.handler(oneByOne: oneByOne), now: { JobTest.t0 + 2_000 })
            let report = try await job.run(ReplaySelection(), dryRun: false)
            return (report.records, try await rows(pool, timestampsBefore: before), counter.oneByOne)
        }
    }

    // MARK: - Comparing two databases

    /// `processed_at` and `next_attempt_at` per event id before the replay.
    static func timestamps(_ pool: PGPool) async throws -> [String: String] {
        let rows = try await JobTest.rows(pool, """
            SELECT stripe_event_id, concat_ws('|', processed_at, next_attempt_at) AS t FROM billing_events
            """)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.string("stripe_event_id") ?? "", $0.string("t") ?? "") })
    }

    /// Every row replay can touch, without the times of this run: an event's `processed_at` and
    /// `next_attempt_at` appear as kept, moved or null.
    static func rows(_ pool: PGPool, timestampsBefore before: [String: String]) async throws -> [String] {
        let events = try await JobTest.rows(pool, """
            SELECT stripe_event_id, concat_ws('|', status, outcome, attempts, client_id, last_error, awaited_client_ids) AS line,
                   concat_ws('|', processed_at, next_attempt_at) AS t, processed_at IS NULL AS unprocessed
            FROM billing_events ORDER BY stripe_event_id
            """).map { row -> String in
            let id = row.string("stripe_event_id") ?? ""
            let times = row.bool("unprocessed") == true ? "null" : (before[id] == row.string("t") ? "kept" : "moved")
            return "\(id)|\(row.string("line") ?? "")|\(times)"
        }
        let others = try await ProcessingSnapshot.lines(pool: pool).filter { !$0.hasPrefix("evt_") }
        return events + others
    }
}

/// Counts how the queue handed events to `BillingEventHandler`: in batches or one at a time.
final class HandlerCounter: Sendable {
    private let counts = Mutex<(together: Int, oneByOne: Int)>((0, 0))
    var together: Int { counts.withLock { $0.together } }
    var oneByOne: Int { counts.withLock { $0.oneByOne } }

    func handler(oneByOne: Bool) -> any EventHandler {
        Counting(inner: BillingEventHandler(livemode: nil), counter: self, batchPath: !oneByOne)
    }

    struct Counting: EventHandler {
        let inner: BillingEventHandler
        let counter: HandlerCounter
        let batchPath: Bool

        struct OneAtATime: Error {}

        /// Without `batchPath`, refuses more than one event, so replay takes its one-at-a-time path.
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
            if !batchPath, events.count > 1 { throw OneAtATime() }
            let handling = try inner.handle(events, in: session, now: now)
            counter.counts.withLock { counts in
                if events.count > 1 { counts.together += events.count } else { counts.oneByOne += 1 }
            }
            return handling
        }
    }
}
