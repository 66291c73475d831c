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
/// Duplicates inside a batch are folded first: the first delivery of an id is the one that may
/// be answered `stored`, the others are `duplicate`, and `delivery_count` grows by every webhook
/// delivery. One statement inserts the new events (`ON CONFLICT DO NOTHING`, which does not wait
/// for the processor's lock on an existing row, only, for a moment, for a processor that has
/// already settled that row and is committing) and counts the deliveries of events stored before
/// (`EventLogStore.store`). The few it cannot count — a row the processor holds — are counted in
/// transactions of their own and answered after those commit. After a commit that stored new events,
/// the `DueEventsNotifier` wakes the processors. When a batch fails for a reason other than a lost
/// connection, its events are retried one by one, so one bad event never fails its neighbours.
public final class IngestWriter: Sendable {
    private struct Pending {
        let event: IncomingEvent
        let continuation: CheckedContinuation<StoreResult, any Error>
    }
    /// One distinct event of a batch and how many webhook deliveries of it the batch holds.
    private typealias Row = NewEventRow
    private struct State {
        var queue: [Pending] = []
        var flushing = 0
    }

    private let pool: PGPool
    private let maxBatch: Int
    private let maxConcurrentFlushes: Int
    private let notifier: DueEventsNotifier
    private let bodies: RecentBodies?
    /// Where flushes run: off the event loop, so that they start and answer while it reads requests.
    private let executor = SerialQueueExecutor(label: "billing-worker.ingest-flush")
    private let state = Mutex(State())

    /// - Parameters:
    ///   - pool: where to write.
    ///   - maxBatch: most events in one statement. Small batches keep PostgreSQL and the event loop
    ///     working at the same time: with 64, most batches at concurrency 32 held every connection's
    ///     request, so the event loop read 32 requests while PostgreSQL waited, then PostgreSQL
    ///     stored them while the event loop waited. In alternating ingest-only runs at 32 (two
    ///     flushes, three rounds), 8 stored 8,396–10,121 deliveries/s, 16 7,789–8,656, 64
    ///     6,461–8,320, and 4 fewer again (6,912–8,089).
    ///   - maxConcurrentFlushes: most batches in flight at once (each holds one pooled connection).
    ///   - bodies: where to leave the bodies of newly stored events for this process's processor.
    public init(pool: PGPool, maxBatch: Int = 8, maxConcurrentFlushes: Int = 2, bodies: RecentBodies? = nil) {
        self.pool = pool
        self.maxBatch = max(1, maxBatch)
        self.maxConcurrentFlushes = max(1, maxConcurrentFlushes)
        self.notifier = DueEventsNotifier(pool: pool)
        self.bodies = bodies
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
                Task(executorPreference: executor) { await self.flushLoop() }
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
        let rows: [Row] = order.map { id in
            let members = groups[id]!
            let deliveries = members.filter { batch[$0].event.source == .webhook }.count
            return Row(event: batch[members[0]].event, deliveries: deliveries)
        }
        do {
            try await write(rows, batch: batch, groups: groups)
        } catch let error as PostgresError where error.isConnectionFailure || error.kind == .poolClosed || rows.count == 1 {
            batch.forEach { $0.continuation.resume(throwing: error) }
        } catch {
            // Retry each distinct event alone so that one bad event does not fail the others.
            for (id, row) in zip(order, rows) {
                do {
                    try await write([row], batch: batch, groups: groups)
                } catch {
                    groups[id]!.forEach { batch[$0].continuation.resume(throwing: error) }
                }
            }
        }
    }

    /// Stores `rows` and counts the redeliveries it can in one transaction, and answers those at once;
    /// then counts the webhook deliveries of stored events the processor held (`countRedeliveries`),
    /// in a task of its own, and answers those. Throws (answering nobody) only when the first
    /// transaction fails.
    private func write(_ rows: [Row], batch: [Pending], groups: [String: [Int]]) async throws {
        let stored = try await pool.withConnection { session in try EventLogStore.store(rows, in: session) }
        if !stored.inserted.isEmpty {
            if let bodies {
                for row in rows where stored.inserted.contains(row.event.envelope.id) {
                    bodies.remember(row.event.envelope.id, body: row.event.payload)
                }
            }
            notifier.eventsBecameDue()
        }
        var redelivered: [Row] = []
        for row in rows {
            let id = row.event.envelope.id
            if stored.inserted.contains(id) || stored.counted.contains(id) || row.deliveries == 0 {
                answer(batch, members: groups[id]!, stored: stored.inserted.contains(id))
            } else {
                redelivered.append(row)
            }
        }
        guard !redelivered.isEmpty else { return }
        // Off the flusher: counting may wait for the processor, and the flusher must go on storing
        // new events meanwhile.
        let counted = redelivered
        Task { await countRedeliveries(counted, batch: batch, groups: groups) }
    }

    /// Adds redeliveries to `delivery_count` and answers each once its count is committed. A row
    /// the processor holds (until its batch commits) is tried again after a short pause (2, 4, then
    /// 8 ms), without keeping a pooled connection meanwhile: counters blocked on row locks used to
    /// hold most of the pool and starve the flushers of connections. After half a second of pauses
    /// the rest is counted waiting for the locks, as before.
    private func countRedeliveries(_ rows: [Row], batch: [Pending], groups: [String: [Int]]) async {
        var pending = rows
        var pause = Duration.milliseconds(2)
        var paused = Duration.zero
        do {
            while !pending.isEmpty {
                let rows = pending, waitForLocks = paused >= Self.countPauses
                let uncounted = try await pool.withConnection { session -> [Row] in
                    if waitForLocks { try EventLogStore.countDeliveries(rows, in: session); return [] }
                    return try EventLogStore.countDeliveriesUnlessLocked(rows, in: session)
                }
                let left = Set(uncounted.map(\.event.envelope.id))
                for row in pending where !left.contains(row.event.envelope.id) {
                    answer(batch, members: groups[row.event.envelope.id]!, stored: false)
                }
                pending = uncounted
                if !pending.isEmpty {
                    try? await Task.sleep(for: pause)
                    paused += pause
                    pause = min(pause * 2, .milliseconds(8))
                }
            }
        } catch {
            for row in pending { groups[row.event.envelope.id]!.forEach { batch[$0].continuation.resume(throwing: error) } }
        }
    }

    /// How long, in pauses, a locked event's redelivery is tried again before it waits for the lock.
    static let countPauses = Duration.milliseconds(512)

    /// The first member of an id is `stored` when its row was inserted; every other is `duplicate`.
    private func answer(_ batch: [Pending], members: [Int], stored: Bool) {
        for (n, i) in members.enumerated() {
            batch[i].continuation.resume(returning: n == 0 && stored ? .stored : .duplicate)
        }
    }
}
