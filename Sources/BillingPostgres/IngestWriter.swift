import BillingCore
import Synchronization

/// Stores incoming events with *group commit*: concurrent deliveries share one statement
/// (one transaction, one commit), and each caller is answered only after the commit that
/// holds its own row.
///
/// Leader/follower batching, no timer: a caller appends its event to the queue; when fewer
/// than `maxConcurrentFlushes` flushes are running it becomes a flusher, checks out a pooled
/// connection and, on that connection's thread, writes what is queued (up to `maxBatch` per
/// statement) batch after batch until the queue is empty. Under light load a batch is one event
/// and nobody waits; under heavy load batches grow while the previous commit's fsync is in progress.
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
    /// Where a flusher starts and checks out its connection: off the event loop, which meanwhile reads
    /// requests. (Its batches are then written and answered on the connection's thread.)
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
    ///
    /// A flusher checks out one pooled connection and keeps it while batches are queued: on that
    /// connection's thread it writes a batch, answers its callers, takes the next batch and writes it,
    /// with no hop between threads. (A checkout per batch woke the flusher's thread and then the
    /// connection's for every batch; on a busy machine each wake-up waits for a core, and the group
    /// commit's connection sat idle meanwhile.) Only a lost connection ends the checkout early: the
    /// next batch is written on a fresh one.
    private func flushLoop() async {
        guard var batch = nextBatch() else { return }
        while true {
            let first = batch
            let end: SessionEnd
            do {
                end = try await pool.withConnection { session in self.flushWhileQueued(first, in: session) }
            } catch {
                // No connection to write on (the pool is closed, or PostgreSQL cannot be reached): the
                // batch was not written. (The session above never throws once it has started.)
                first.forEach { $0.continuation.resume(throwing: error) }
                end = .connectionLost(unwritten: nil)
            }
            switch end {
            case .queueEmpty:
                return
            case .connectionLost(let unwritten?):
                batch = unwritten
            case .connectionLost(nil):
                guard let next = nextBatch() else { return }
                batch = next
            }
        }
    }

    /// Why a flusher gave its connection back.
    private enum SessionEnd: Sendable {
        case queueEmpty
        /// The connection broke; `unwritten` is a batch taken but not yet sent, for a fresh connection.
        case connectionLost(unwritten: [Pending]?)
    }

    /// The next batch (at most `maxBatch` events), or `nil` when the queue is empty, in which case
    /// the caller is no longer a flusher.
    private func nextBatch() -> [Pending]? {
        state.withLock { s -> [Pending]? in
            if s.queue.isEmpty {
                s.flushing -= 1
                return nil
            }
            let n = min(maxBatch, s.queue.count)
            let batch = Array(s.queue.prefix(n))
            s.queue.removeFirst(n)
            return batch
        }
    }

    /// Writes `first` and then every batch queued meanwhile on `session`, on its connection's thread;
    /// every caller of a batch is answered before the next batch is taken. Never throws: a failure is
    /// the answer of the batch's callers. Before each later batch the connection is checked as a
    /// checkout checks it, so that a connection the server closed meanwhile (a restart) is replaced
    /// before the batch is sent instead of failing it.
    private func flushWhileQueued(_ first: [Pending], in session: PGSession) -> SessionEnd {
        var batch = first
        while true {
            guard flush(batch, in: session) else { return .connectionLost(unwritten: nil) }
            guard let next = nextBatch() else { return .queueEmpty }
            guard session.isStillConnected() else { return .connectionLost(unwritten: next) }
            batch = next
        }
    }

    /// Writes one batch and answers its callers; false when the connection was lost.
    private func flush(_ batch: [Pending], in session: PGSession) -> Bool {
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
            try write(rows, batch: batch, groups: groups, in: session)
            return true
        } catch let error as PostgresError where error.isConnectionFailure || rows.count == 1 {
            // (No `poolClosed` here: the session's connection is already checked out.)
            batch.forEach { $0.continuation.resume(throwing: error) }
            return !error.isConnectionFailure
        } catch {
            // Retry each distinct event alone so that one bad event does not fail the others.
            var lost: (any Error)?
            for (id, row) in zip(order, rows) {
                do {
                    if let lost { throw lost }
                    try write([row], batch: batch, groups: groups, in: session)
                } catch {
                    if (error as? PostgresError)?.isConnectionFailure == true { lost = error }
                    groups[id]!.forEach { batch[$0].continuation.resume(throwing: error) }
                }
            }
            return lost == nil
        }
    }

    /// Stores `rows` and counts the redeliveries it can in one transaction, and answers those at once;
    /// then counts the webhook deliveries of stored events the processor held (`countRedeliveries`),
    /// in a task of its own, and answers those. Throws (answering nobody) only when the first
    /// transaction fails.
    private func write(_ rows: [Row], batch: [Pending], groups: [String: [Int]], in session: PGSession) throws {
        let stored = try EventLogStore.store(rows, in: session)
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
