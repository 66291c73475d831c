import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import StripeJSON
import Synchronization
import Testing

/// Replays and concurrent workers through `BillingEventHandler` on a real PostgreSQL (SPEC §5 atomicity, §9).
@Suite struct BillingEventHandlerConcurrencyTests {
    typealias K = HandlerKit

    /// Processing an event a second time (set back to `received`, as `replay` does) changes nothing: after each
    /// step of the fixture story, and for the whole story at the end.
    @Test func processingAnEventTwiceChangesNothing() async throws {
        let dir = TestDatabase.repositoryRoot().appendingPathComponent("Tests/Fixtures/stripe/2025-03-31.basil")
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        try #require(!files.isEmpty)
        try await JobTest.withPool(size: 8) { pool in
            _ = try await JobTest.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('clt_acme', 'Acme') RETURNING id")
            for file in files {
                let body = Array(try Data(contentsOf: file))
                try await JobTest.store(pool, [String(decoding: body, as: UTF8.self)])
                try await K.process(pool)
                let id = try EventEnvelope(decoding: body).id
                let before = try await K.state(pool)
                _ = try await JobTest.rows(pool, "UPDATE billing_events SET status = 'received', outcome = NULL WHERE stripe_event_id = '\(id)' RETURNING id")
                try await K.process(pool)
                #expect(try await K.state(pool) == before, "replaying \(file.lastPathComponent)")
                #expect(try await K.event(pool, id)?.int("attempts") == 2, "\(file.lastPathComponent)")
            }
            let before = try await K.state(pool)
            _ = try await JobTest.rows(pool, "UPDATE billing_events SET status = 'received', outcome = NULL RETURNING id")
            try await K.process(pool)
            #expect(try await K.state(pool) == before)
            #expect(try await JobTest.count(pool, "SELECT count(*) FROM billing_events WHERE status NOT IN ('processed', 'ignored')") == 0)
        }
    }

    /// Holds the client's row lock after handling an event until released.
    final class HoldingHandler: EventHandler, Sendable {
        let inner = BillingEventHandler(livemode: nil)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
            let disposition = try inner.handle(events, in: session, now: now)
            entered.signal()
            release.wait()
            return disposition
        }
    }

    /// Two events of one client claimed by two workers at once serialize on the client's row lock (the second
    /// waits until the first commits) and end as sequential processing does.
    @Test func twoWorkersSerializeOnTheClientRowLock() async throws {
        let setup = [K.checkout(at: K.t0), K.snapshot(.active, at: K.t0, type: "customer.subscription.created")]
        let racing = [K.invoice(.paymentFailed, invoiceId: "in_2", at: K.t0 + 100), K.snapshot(.pastDue, at: K.t0 + 101)]
        let sequential = try await Self.run(setup: setup, racing: racing, concurrently: false)
        let concurrent = try await Self.run(setup: setup, racing: racing, concurrently: true)
        #expect(concurrent == sequential)
        #expect(sequential.contains { $0.contains("\"status\": \"PAST_DUE\"") })
    }

    /// A worker that parks an event `unmatched` while another links its customer does not lose the wake-up,
    /// whichever of the two gets there first: the event is processed once the link commits.
    @Test(arguments: [true, false])
    func parkingRacesLinkingWithoutLosingTheEvent(linkerFirst: Bool) async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool)
            let checkout = K.checkout(at: K.t0)
            let created = K.snapshot(.trialing, at: K.t0, type: "customer.subscription.created")
            let (first, second) = linkerFirst ? (checkout, created) : (created, checkout)
            let holding = HoldingHandler()
            let queue = EventQueue(batchSize: 1)
            let now = Int64(Date().timeIntervalSince1970)
            try await K.store(pool, first)
            let a = Task { try await pool.withConnection { s in try queue.processBatch(handler: holding, in: s, now: now, clock: { 0 }) } }
            await withCheckedContinuation { c in DispatchQueue.global().async { holding.entered.wait(); c.resume() } }
            try await K.store(pool, second)
            let b = Task {
                try await pool.withConnection { s in
                    try queue.processBatch(handler: BillingEventHandler(livemode: nil), in: s, now: now, clock: { 0 })
                }
            }
            // The second worker either waits for the first one's lock or (without it) finishes on its own.
            _ = try await JobTest.eventually(seconds: 5) {
                try await JobTest.count(pool, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") == 1
            }
            holding.release.signal()
            _ = try await (a.value, b.value)
            try await K.process(pool)
            #expect(try await K.event(pool, created.id)?.string("status") == "processed")
            #expect(try await K.billing(pool)?.string("status") == "TRIALING")
        }
    }

    /// The final state (billing, controls, alerts, event outcomes) after the racing events, as text.
    static func run(setup: [BillingEvent], racing: [BillingEvent], concurrently: Bool) async throws -> [String] {
        let result = Mutex<[String]>([])
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool)
            for event in setup { try await K.store(pool, event) }
            try await K.process(pool)
            for event in racing { try await K.store(pool, event) }
            if concurrently {
                let holding = HoldingHandler()
                let queue = EventQueue(batchSize: 1)
                let now = Int64(Date().timeIntervalSince1970)
                let first = Task { try await pool.withConnection { s in try queue.processBatch(handler: holding, in: s, now: now, clock: { 0 }) } }
                await withCheckedContinuation { c in DispatchQueue.global().async { holding.entered.wait(); c.resume() } }
                let second = Task {
                    try await pool.withConnection { s in
                        try queue.processBatch(handler: BillingEventHandler(livemode: nil), in: s, now: now, clock: { 0 })
                    }
                }
                let waited = try await JobTest.eventually(seconds: 10) {
                    try await JobTest.count(pool, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") == 1
                }
                #expect(waited, "the second worker should wait on the client's row lock")
                holding.release.signal()
                #expect(try await first.value.processed == 1)
                #expect(try await second.value.processed == 1)
            }
            try await K.process(pool)
            var state = try await K.state(pool)
            state += try await JobTest.rows(pool, "SELECT stripe_event_id || ':' || status || ':' || coalesce(outcome, '') AS r FROM billing_events ORDER BY 1")
                .map { $0.string("r") ?? "" }
            result.withLock { $0 = state.map(Self.withoutTimestamps) }
        }
        return result.withLock { $0 }
    }

    /// Drops the fields stamped with the processing clock or the database's `now()`, which differ between runs.
    static func withoutTimestamps(_ json: String) -> String {
        json.replacing(/"(status_changed_at|payment_gate_alerted_at|created_at|acknowledged_at|id)": [^,}]+/, with: "")
    }
}
