import BillingCore
@testable import BillingPostgres
import BillingTestSupport
import Testing

/// Processor loops of one process share its pool, and each claims only its share of the customers,
/// whichever connection the pool lends it: a connection keeps the statements it prepared, so two
/// loops' claims must not share a statement name.
@Suite struct ClaimPartitionTests {
    @Test(arguments: [false, true])
    func loopsSharingAConnectionEachClaimTheirOwnShare(keptBodies: Bool) async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let rows = try (0..<40).map { try EventInsertTests.row("evt_\($0)", deliveries: 1, customer: "cus_\($0 % 8)") }
            _ = try await pool.withConnection { s in try EventLogStore.insert(rows, in: s) }
            // The share each event belongs to, as PostgreSQL computes it.
            let shares = try await pool.withConnection { s in
                try s.query("SELECT stripe_event_id, abs(hashtext(stripe_customer_id) % 2) AS share FROM billing_events").rows
            }
            var expected: [Int: Set<String>] = [:]
            for r in shares { expected[r.int("share") ?? -1, default: []].insert(r.string("stripe_event_id") ?? "") }
            #expect(expected[0]?.isEmpty == false && expected[1]?.isEmpty == false, "both shares hold events: \(expected)")

            var claimed: [Int: Set<String>] = [:]
            for index in [0, 1] {
                var queue = EventQueue()
                queue.partition = (index, 2)
                if keptBodies {
                    let bodies = RecentBodies()
                    bodies.enable()
                    queue.bodies = bodies
                }
                let handler = RecentBodiesTests.Recording()
                let shareQueue = queue
                // A pool of one: both loops run on the same connection.
                _ = try await pool.withConnection { s in try shareQueue.processBatch(handler: handler, in: s, now: 0, clock: { 0 }) }
                claimed[index] = Set(handler.seen.withLock { $0.keys })
            }
            #expect(claimed[0] == expected[0])
            #expect(claimed[1] == expected[1])
            await pool.shutdown()
        }
    }
}
