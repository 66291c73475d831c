import BillingCore
@testable import BillingPostgres
import BillingTestSupport
import Synchronization
import Testing

/// Bodies handed from webhook ingest to the processor of the same process, and the claim that
/// takes them instead of reading them back.
@Suite struct RecentBodiesTests {
    @Test func keepsNothingUntilAProcessorTurnsItOn() {
        let bodies = RecentBodies()
        bodies.remember("evt_1", body: "{}")
        #expect(bodies.take("evt_1") == nil)
        bodies.enable()
        bodies.remember("evt_1", body: "{}")
        #expect(bodies.take("evt_1") == "{}")
        #expect(bodies.take("evt_1") == nil)
    }

    @Test func evictsTheOldestBeyondItsBytesAndSkipsLargeBodies() {
        let bodies = RecentBodies(maxBytes: 10, maxBodyBytes: 6)
        bodies.enable()
        bodies.remember("evt_a", body: "aaaa")
        bodies.remember("evt_b", body: "bbbb")
        bodies.remember("evt_big", body: "0123456")
        #expect(bodies.count == 2)
        bodies.remember("evt_c", body: "cccc")
        #expect(bodies.take("evt_a") == nil)
        #expect(bodies.take("evt_b") == "bbbb")
        #expect(bodies.take("evt_c") == "cccc")
        #expect(bodies.take("evt_big") == nil)
    }

    /// Ids of taken bodies do not pile up in the eviction list.
    @Test func takenIdsDoNotAccumulate() {
        let bodies = RecentBodies()
        bodies.enable()
        bodies.remember("evt_kept", body: "{}")
        for n in 0..<20_000 {
            bodies.remember("evt_\(n)", body: "{}")
            #expect(bodies.take("evt_\(n)") == "{}")
        }
        #expect(bodies.listedIds < 2_000)
        #expect(bodies.take("evt_kept") == "{}")
    }

    /// Records the bodies it is handed, and settles every event as processed.
    final class Recording: EventHandler {
        let seen = Mutex<[String: String?]>([:])
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
            seen.withLock { s in for e in events { s[e.stripeEventId] = .some(e.payload) } }
            return BatchHandling(results: events.map { _ in .success(.decided(.noChange, clientId: nil)) })
        }
    }

    /// A claim with kept bodies hands each event the body its row holds: kept ones from memory,
    /// others (stored by another process) read from the row, a pruned one none.
    @Test func theClaimTakesKeptBodiesAndReadsTheOthers() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 2)
            let bodies = RecentBodies()
            bodies.enable()
            let writer = IngestWriter(pool: pool, bodies: bodies)
            let kept = try EventInsertTests.row("evt_kept", deliveries: 1), other = try EventInsertTests.row("evt_other", deliveries: 1)
            let pruned = try EventInsertTests.row("evt_pruned", deliveries: 1)
            #expect(try await writer.store(kept.event) == .stored)
            #expect(try await writer.store(pruned.event) == .stored)
            _ = try await pool.withConnection { s in try EventLogStore.insert([other], in: s) }
            _ = try await pool.withConnection { s in
                try s.query("UPDATE billing_events SET body = NULL, payload = NULL WHERE stripe_event_id = 'evt_pruned'")
            }
            #expect(bodies.count == 2)

            var claiming = EventQueue()
            claiming.bodies = bodies
            let queue = claiming
            let handler = Recording()
            let report = try await pool.withConnection { s in try queue.processBatch(handler: handler, in: s, now: 0, clock: { 0 }) }
            #expect(report.claimed == 3)
            let seen = handler.seen.withLock { $0 }
            #expect(seen["evt_kept"] == .some(kept.event.payload))
            #expect(seen["evt_other"] == .some(other.event.payload))
            #expect(seen["evt_pruned"] == .some(nil))
            #expect(bodies.count == 0)
            await pool.shutdown()
        }
    }
}
