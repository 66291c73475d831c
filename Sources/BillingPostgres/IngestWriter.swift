import BillingCore
import Synchronization

/// Stores incoming events with *group commit*: concurrent deliveries share one statement
/// (one transaction, one commit), and each caller is answered only after the commit that
/// holds its own row.
///
/// Leader/follower batching, no timer: a caller appends its event to the queue; when fewer
/// than `maxConcurrentFlushes` flushes are running it becomes a flusher and writes everything
/// queued (up to `maxBatch`). Under light load a batch is one event and nobody waits; under
/// heavy load batches grow while the previous commit's fsync is in progress.
///
/// Duplicates inside a batch are folded first (a multi-row `INSERT … ON CONFLICT DO UPDATE`
/// naming one id twice fails with SQLSTATE 21000): the first delivery of an id is the one
/// that may be answered `stored`, the others are `duplicate`, and `delivery_count` grows by
/// every webhook delivery. When a batch fails for a reason other than a lost connection, its
/// events are retried one by one, so one bad event never fails its neighbours.
public final class IngestWriter: Sendable {
    private struct Pending {
        let event: IncomingEvent
        let continuation: CheckedContinuation<StoreResult, any Error>
    }
    private struct State {
        var queue: [Pending] = []
        var flushing = 0
    }

    private let pool: PGPool
    private let maxBatch: Int
    private let maxConcurrentFlushes: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - pool: where to write.
    ///   - maxBatch: most events in one statement (bounds statement size and latency).
    ///   - maxConcurrentFlushes: most batches in flight at once (each holds one pooled connection).
    public init(pool: PGPool, maxBatch: Int = 64, maxConcurrentFlushes: Int = 2) {
        self.pool = pool
        self.maxBatch = max(1, maxBatch)
        self.maxConcurrentFlushes = max(1, maxConcurrentFlushes)
    }

    /// Stores one event; returns once it is committed (or was already stored).
    public func store(_ event: IncomingEvent) async throws -> StoreResult {
        try await withCheckedThrowingContinuation { continuation in
            let lead = state.withLock { s -> Bool in
                s.queue.append(Pending(event: event, continuation: continuation))
                if s.flushing < maxConcurrentFlushes {
                    s.flushing += 1
                    return true
                }
                return false
            }
            if lead {
                Task { await self.flushLoop() }
            }
        }
    }

    /// Flushes batches until the queue is empty, then gives up its flusher slot.
    private func flushLoop() async {
        while true {
            let batch = state.withLock { s -> [Pending] in
                if s.queue.isEmpty {
                    s.flushing -= 1
                    return []
                }
                let n = min(maxBatch, s.queue.count)
                let batch = Array(s.queue.prefix(n))
                s.queue.removeFirst(n)
                return batch
            }
            if batch.isEmpty { return }
            await flush(batch)
        }
    }

    private func flush(_ batch: [Pending]) async {
        // Fold duplicates: one row per id, delivery counts summed, first delivery leads.
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (i, p) in batch.enumerated() {
            let id = p.event.envelope.id
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append(i)
        }
        let rows: [(event: IncomingEvent, deliveries: Int)] = order.map { id in
            let members = groups[id]!
            let deliveries = members.filter { batch[$0].event.source == .webhook }.count
            return (batch[members[0]].event, deliveries)
        }
        do {
            let inserted = try await pool.withConnection { session in
                try Self.insert(rows, in: session)
            }
            answer(batch, order: order, groups: groups, inserted: inserted)
        } catch let error as PostgresError where error.isConnectionFailure || error.kind == .poolClosed || rows.count == 1 {
            batch.forEach { $0.continuation.resume(throwing: error) }
        } catch {
            // Retry each distinct event alone so that one bad event does not fail the others.
            for id in order {
                let members = groups[id]!
                let row = rows[order.firstIndex(of: id)!]
                do {
                    let inserted = try await pool.withConnection { session in try Self.insert([row], in: session) }
                    answer(batch, order: [id], groups: [id: members], inserted: inserted)
                } catch {
                    members.forEach { batch[$0].continuation.resume(throwing: error) }
                }
            }
        }
    }

    private func answer(_ batch: [Pending], order: [String], groups: [String: [Int]], inserted: Set<String>) {
        for id in order {
            let members = groups[id]!
            for (n, i) in members.enumerated() {
                batch[i].continuation.resume(returning: n == 0 && inserted.contains(id) ? .stored : .duplicate)
            }
        }
    }

    /// One statement, hence one transaction and one commit, for the whole batch. Returns the ids inserted.
    private static func insert(_ rows: [(event: IncomingEvent, deliveries: Int)], in session: PGSession) throws -> Set<String> {
        var query = PGQuery(unsafeSQL: "")
        var values: [String] = []
        values.reserveCapacity(rows.count)
        for (event, deliveries) in rows {
            values.append(query.appendEventRow(event, deliveries: deliveries, livemode: event.envelope.livemode))
        }
        query.sql = """
            WITH ins AS (
              INSERT INTO billing_events (stripe_event_id, type, api_version, livemode, stripe_created_at, payload,
                                          status, source, delivery_count, stripe_object_id, stripe_customer_id,
                                          stripe_subscription_id)
              VALUES \(values.joined(separator: ", "))
              ON CONFLICT (stripe_event_id) DO UPDATE
                SET delivery_count = billing_events.delivery_count + EXCLUDED.delivery_count
              RETURNING stripe_event_id, (xmax = 0) AS inserted
            )
            SELECT stripe_event_id, CASE WHEN inserted THEN pg_notify('\(EventLogStore.channel)', '') END AS notified,
                   inserted
            FROM ins
            """
        let result = try session.prepared("ingest_batch_\(rows.count)", query)
        var inserted = Set<String>()
        for row in result.rows where row.bool("inserted") == true {
            if let id = row.string("stripe_event_id") { inserted.insert(id) }
        }
        return inserted
    }
}
