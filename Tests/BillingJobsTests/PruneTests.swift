import BillingCore
import BillingJobs
import BillingPostgres
import BillingTestSupport
import Foundation
import StripeJSON
import Testing

/// `billing-worker prune --processed-before T`: payloads cleared, rows (and ids) kept.
@Suite struct PruneTests {
    /// Only processed/ignored events processed before T lose their payload; a late redelivery of
    /// a pruned event is still a duplicate; a second prune clears nothing.
    @Test func prunesOldProcessedPayloads() async throws {
        try await JobTest.withPool { pool in
            try await JobTest.seedClient(pool, "clt_1", n: 1, status: "active", periodEnd: JobTest.t0 + 86_400)
            try await JobTest.store(pool, [IngestTests.event("evt_ignored"), IngestTests.event("evt_waiting")])
            _ = try await JobTest.rows(pool, """
                UPDATE billing_events SET status = 'ignored', outcome = 'ignored', processed_at = now() - interval '40 days'
                WHERE stripe_event_id = 'evt_ignored' RETURNING id
                """)
            _ = try await JobTest.rows(pool, """
                UPDATE billing_events SET processed_at = now() - interval '40 days' WHERE stripe_event_id = 'evt_co_1' RETURNING id
                """)
            let cutoff = Int64(Date().timeIntervalSince1970) - 30 * 86_400
            let lines = LinesSink()
            let pruned = try await PruneJob.run(processedBefore: cutoff, pool: pool, batchSize: 1, progress: lines.sink)
            #expect(pruned == 2)
            #expect(!lines.all.isEmpty)
            let rows = try await JobTest.rows(pool, "SELECT stripe_event_id, body IS NULL AND payload IS NULL AS pruned FROM billing_events ORDER BY stripe_event_id")
            #expect(rows.map { "\($0.string("stripe_event_id") ?? ""):\($0.bool("pruned") ?? false)" } == [
                "evt_co_1:true", "evt_ignored:true", "evt_su_1:false", "evt_waiting:false",
            ])
            let late = try await IngestWriter(pool: pool).store(IncomingEvent(
                envelope: try EventEnvelope(decoding: Array(IngestTests.event("evt_ignored").utf8)),
                payload: IngestTests.event("evt_ignored"), source: .webhook))
            #expect(late == .duplicate)
            #expect(try await PruneJob.run(processedBefore: cutoff, pool: pool) == 0)
        }
    }
}
