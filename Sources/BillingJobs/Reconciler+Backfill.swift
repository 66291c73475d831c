import BillingCore
import BillingPostgres
import StripeAPI
import StripeJSON

extension Reconciler {
    /// What back-fill did.
    struct BackfillResult {
        /// Events Stripe listed that were not stored yet (now stored with source `backfill`).
        var stored: Int
        /// Events the run then processed itself (back-filled or otherwise due).
        var processed: Int
    }

    /// Pages `GET /v1/events` (the acted-on types, `created[gte]`), stores the events not yet
    /// stored with source `backfill`, then processes due events through the queue and handler
    /// until none is due — so a run without `serve` compares against up-to-date state.
    func backfill(since: Int64) async throws -> BackfillResult {
        let progress = self.progress
        let listed = try await stripe.events(types: ActedOnEventType.allCases.map(\.rawValue), createdGte: since) { count in
            progress("reconcile: back-fill listed \(count) events")
        }
        var events: [IncomingEvent] = []
        for element in listed {
            guard case .success(let envelope) = element.envelope else {
                progress("reconcile: back-fill skipped \(element.id): not a Stripe snapshot event")
                continue
            }
            events.append(IncomingEvent(envelope: envelope, payload: String(decoding: element.json, as: UTF8.self), source: .backfill))
        }
        let toStore = events
        let stored = try await pool.withTransaction { try EventLogStore.insertUndelivered(toStore, in: $0) }.count
        var processed = 0
        let (queue, handler, now) = (self.queue, self.handler, self.now)
        for _ in 0..<100_000 {
            let batch = try await pool.withConnection { session in
                try queue.processBatch(handler: handler, in: session, now: now(), clock: { 0 })
            }
            processed += batch.claimed
            if batch.claimed == 0 { break }
        }
        if stored > 0 || processed > 0 { progress("reconcile: back-fill stored \(stored) events, processed \(processed)") }
        return BackfillResult(stored: stored, processed: processed)
    }
}
