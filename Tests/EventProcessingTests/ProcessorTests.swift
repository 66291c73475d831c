import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import Synchronization
import Testing

/// The processing queue against a real PostgreSQL: retries, dead letters, crashed and slow workers.
@Suite struct ProcessorTests {
    struct AlwaysFails: EventHandler {
        struct Boom: Error, CustomStringConvertible { var description: String { "handler exploded" } }
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling { throw Boom() }
    }

    /// Blocks inside the handler (holding the claim) until released, then processes.
    final class BlockingHandler: EventHandler, Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let calls = Mutex(0)
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
            calls.withLock { $0 += 1 }
            entered.signal()
            release.wait()
            return BatchHandling(results: events.map { _ in .success(.decided(.applied, clientId: nil)) })
        }
    }

    /// A failing handler is retried with a growing `next_attempt_at`, then the event is `failed`
    /// with exactly one `EVENT_PROCESSING_FAILED` alert.
    @Test func failingHandlerRetriesThenFails() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 2)
            try await JobTest.insertReceivedEvent(pool, id: "evt_fails")
            // A 60 s base delay keeps each retry far in the future however slow the machine is.
            let queue = EventQueue(retryPolicy: RetryPolicy(baseDelaySeconds: 60, maxAttempts: 4))
            var delays: [Double] = []
            for attempt in 1...4 {
                let before = try await JobTest.rows(pool, "SELECT extract(epoch FROM clock_timestamp())::float8 AS t").first?.double("t") ?? 0
                let report = try await JobTest.processBatch(pool, queue, AlwaysFails())
                #expect(report.claimed == 1, "attempt \(attempt)")
                let row = try #require(try await JobTest.rows(pool, """
                    SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at)::float8 - \(before) AS delay
                    FROM billing_events WHERE stripe_event_id = 'evt_fails'
                    """).first)
                #expect(row.int("attempts") == attempt)
                #expect(row.string("last_error")?.contains("handler exploded") == true)
                if attempt < 4 {
                    #expect(row.string("status") == "retry")
                    delays.append(row.double("delay") ?? 0)
                    // Not due yet: another batch claims nothing.
                    #expect(try await JobTest.processBatch(pool, queue, AlwaysFails()).claimed == 0)
                    _ = try await JobTest.rows(pool, "UPDATE billing_events SET next_attempt_at = now() RETURNING id")
                } else {
                    #expect(row.string("status") == "failed")
                }
            }
            // Equal jitter: attempt n waits within [60·2^(n-1)/2, 60·2^(n-1)] seconds after its
            // transaction started (measured from just before it, so only the lower bound is exact).
            #expect(delays.count == 3)
            #expect(delays[0] >= 30 && delays[0] <= 60 + 5)
            #expect(delays[1] >= 60 && delays[1] <= 120 + 5)
            #expect(delays[2] >= 120 && delays[2] <= 240 + 5)
            #expect(try await JobTest.processBatch(pool, queue, AlwaysFails()).claimed == 0)
            let alerts = try await JobTest.rows(pool, "SELECT alert_type, alert_key, severity FROM alert_logs")
            #expect(alerts.count == 1)
            #expect(alerts.first?.string("alert_type") == "EVENT_PROCESSING_FAILED")
            #expect(alerts.first?.string("alert_key") == "event_failed:evt_fails")
            #expect(alerts.first?.string("severity") == "CRITICAL")
            await pool.shutdown()
        }
    }

    /// A worker whose connection drops mid-event loses its claim; another worker finishes the
    /// event exactly once, and the first worker's transaction can never commit it.
    @Test func deadWorkerLeavesEventToAnother() async throws {
        try await TestDatabase.withFresh { url in
            let target = UInt16(URLComponents(string: url)?.port ?? 5432)
            let proxy = try TCPProxy(targetPort: target)
            let workerA = PGPool(url: proxy.url(through: url), size: 1)
            let workerB = PGPool(url: url, size: 1)
            try await JobTest.insertReceivedEvent(workerB, id: "evt_crash")
            let queue = EventQueue()
            let blocking = BlockingHandler()
            let a = Task { try await JobTest.processBatch(workerA, queue, blocking) }
            await withCheckedContinuation { c in DispatchQueue.global().async { blocking.entered.wait(); c.resume() } }
            // While A holds the claim, B finds nothing to do.
            let counting = CountingHandler()
            #expect(try await JobTest.processBatch(workerB, queue, counting).claimed == 0)
            proxy.cut()  // A's connection dies mid-event
            let finished = try await JobTest.eventually(seconds: 20) {
                try await JobTest.processBatch(workerB, queue, counting).processed == 1
            }
            #expect(finished)
            blocking.release.signal()
            await #expect(throws: (any Error).self) { _ = try await a.value }
            let row = try await JobTest.rows(workerB, "SELECT status, attempts FROM billing_events WHERE stripe_event_id = 'evt_crash'").first
            #expect(row?.string("status") == "processed")
            #expect(row?.int("attempts") == 1)
            #expect(counting.calls.withLock { $0["evt_crash"] } == 1)
            await workerA.shutdown()
            await workerB.shutdown()
        }
    }

    /// A slow worker whose session was ended (its lease gone) cannot commit an event that
    /// another worker already finished. Its batch never committed, so the pool runs it once more
    /// on a fresh connection (issue 15): that run finds the event finished and claims nothing.
    @Test func slowWorkerCannotCommitFinishedEvent() async throws {
        try await TestDatabase.withFresh { url in
            let slow = PGPool(url: url, size: 1)
            let fast = PGPool(url: url, size: 1)
            try await JobTest.insertReceivedEvent(fast, id: "evt_slow")
            let queue = EventQueue()
            let blocking = BlockingHandler()
            let slowPid = try await JobTest.rows(slow, "SELECT pg_backend_pid() AS pid").first?.int("pid") ?? 0
            let a = Task { try await JobTest.processBatch(slow, queue, blocking) }
            await withCheckedContinuation { c in DispatchQueue.global().async { blocking.entered.wait(); c.resume() } }
            // The slow worker is presumed dead: its session is terminated (as idle_in_transaction_session_timeout would).
            _ = try await JobTest.rows(fast, "SELECT pg_terminate_backend(\(slowPid)) AS ok")
            let counting = CountingHandler()
            let done = try await JobTest.eventually(seconds: 20) { try await JobTest.processBatch(fast, queue, counting).processed == 1 }
            #expect(done)
            blocking.release.signal()
            let rerun = try? await a.value
            #expect(rerun == nil || rerun?.claimed == 0, "the slow worker committed nothing")
            let row = try await JobTest.rows(fast, "SELECT status, attempts FROM billing_events WHERE stripe_event_id = 'evt_slow'").first
            #expect(row?.int("attempts") == 1)
            #expect(row?.string("status") == "processed")
            await slow.shutdown()
            await fast.shutdown()
        }
    }
}
