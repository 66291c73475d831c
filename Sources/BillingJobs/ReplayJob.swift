import BillingCore
import BillingPostgres

/// `billing-worker replay` (SPEC §5, §8): re-runs the selected stored events through the
/// production handler against the current state.
///
/// A real replay runs up to `batchSize` events per transaction through the handler's batch path
/// (the processor's: lock the rows, decide them in order, write each client's rows once, settle
/// them in one statement), and falls back to one by one (each event in a savepoint, at most
/// `EventQueue.oneByOneLimit` per transaction) when the batch path declines. Both leave the same
/// rows. A dry run runs every event the same way, in order, in one transaction that is rolled back,
/// so it shows what a real run would do, event after event, and changes nothing.
public struct ReplayJob: Sendable {
    public var pool: PGPool
    public var handler: any EventHandler
    public var queue: EventQueue
    public var now: @Sendable () -> Int64
    /// Progress lines for long runs (about every `progressEvery` events).
    public var progress: ProgressSink
    public var progressEvery: Int
    /// Events replayed per transaction through the batch path.
    public var batchSize: Int

    public init(
        pool: PGPool, handler: any EventHandler, queue: EventQueue = EventQueue(), now: @escaping @Sendable () -> Int64,
        progress: @escaping ProgressSink = { _ in }, progressEvery: Int = 5_000, batchSize: Int = 400
    ) {
        self.pool = pool
        self.handler = handler
        self.queue = queue
        self.now = now
        self.progress = progress
        self.progressEvery = max(1, progressEvery)
        self.batchSize = max(1, batchSize)
    }

    /// Replays the events `selection` matches.
    ///
    /// An event that a later one re-queued (an `unmatched` event whose customer a checkout
    /// linked, a `superseded` one whose subscription became current) is re-run again after the
    /// pass, as the processor would, so that the run leaves none of its events waiting.
    /// - Throws: `BillingJobsError` `notFound` when `--event-id` names no stored event; database errors.
    public func run(_ selection: ReplaySelection, dryRun: Bool) async throws -> ReplayReport {
        if dryRun { return try await runDry(selection) }
        let ids = try await pool.withConnection { try selection.rowIds(in: $0) }
        try check(selection, found: ids)
        var records = RecordList()
        var pending = ids
        for pass in 0..<Self.maxPasses where !pending.isEmpty {
            var meter = ProgressMeter(label: "replay", pass: pass, total: pending.count, every: progressEvery, sink: progress)
            var start = 0
            while start < pending.count {
                let chunk = pending[start..<min(start + batchSize, pending.count)]
                let (handler, queue, now) = (self.handler, self.queue, self.now())
                let step = try await pool.withTransaction { session in
                    try queue.replayStep(rowIds: chunk, handler: handler, in: session, now: now)
                }
                records.merge(step.records)
                start += step.consumed
                meter.advance(to: start)
            }
            pending = try await pool.withConnection { try Self.requeued(among: ids, in: $0) }
        }
        return ReplayReport(records: records.all, dryRun: false)
    }

    private func runDry(_ selection: ReplaySelection) async throws -> ReplayReport {
        let (handler, queue, now, progress, every, size) = (self.handler, self.queue, self.now(), self.progress, progressEvery, batchSize)
        let (ids, records) = try await pool.withConnection { session -> ([Int64], [ReplayRecord]) in
            // One transaction, always rolled back: later events see earlier ones' effects.
            try session.execute(script: "BEGIN")
            defer { try? session.execute(script: "ROLLBACK") }
            let ids = try selection.rowIds(in: session)
            var records = RecordList()
            var pending = ids
            for pass in 0..<Self.maxPasses where !pending.isEmpty {
                var meter = ProgressMeter(label: "replay (dry run)", pass: pass, total: pending.count, every: every, sink: progress)
                var start = 0
                while start < pending.count {
                    let chunk = pending[start..<min(start + size, pending.count)]
                    let step = try queue.replayStep(rowIds: chunk, handler: handler, in: session, now: now)
                    records.merge(step.records)
                    start += step.consumed
                    meter.advance(to: start)
                }
                pending = try Self.requeued(among: ids, in: session)
            }
            return (ids, records.all)
        }
        try check(selection, found: ids)
        return ReplayReport(records: records, dryRun: true)
    }

    /// Passes over the selection: the first, plus re-runs of events a later one re-queued.
    static let maxPasses = 3

    /// The selected events that are `received` again after a pass (re-queued by a later event).
    static func requeued(among ids: [Int64], in session: PGSession) throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try session.query("""
            SELECT id FROM billing_events
            WHERE id = ANY(\(ids.map(String.init))::bigint[]) AND status = 'received'
            ORDER BY stripe_created_at, id
            """).rows.compactMap { $0.int64("id") }
    }

    private func check(_ selection: ReplaySelection, found ids: [Int64]) throws {
        if let id = selection.stripeEventId, ids.isEmpty {
            throw BillingJobsError(.notFound, "no stored event matches --event-id \(id) and the other filters")
        }
    }
}

/// What `replay` did (or would do), per event.
public struct ReplayReport: Sendable, Equatable {
    public var records: [ReplayRecord]
    public var dryRun: Bool

    public var changed: Int { records.filter { $0.error == nil && $0.changed }.count }
    public var unchanged: Int { records.filter { $0.error == nil && !$0.changed }.count }
    public var failed: Int { records.filter { $0.error != nil }.count }

    /// 0, or 1 when any event could not be replayed.
    public var exitCode: Int32 { failed > 0 ? 1 : 0 }

    /// One line per event — status/outcome before and after, and the outcome this run decided —
    /// and a summary line.
    public func render() -> String {
        var out = ""
        let header = ["EVENT", "TYPE", "CREATED", "BEFORE", "AFTER", "OUTCOME", "CLIENT"]
        var rows: [[String]] = []
        for r in records {
            let before = Self.label(r.statusBefore, r.outcomeBefore)
            let after = r.error.map { "error: \($0)" } ?? Self.label(r.statusAfter, r.outcomeAfter)
            let outcome = r.error == nil ? (r.decided?.rawValue ?? "-") : "-"
            rows.append([r.stripeEventId, r.type, CLITime.iso(r.created), before, after, outcome, r.clientId ?? "-"])
        }
        if !rows.isEmpty { out += TextTable.render(header: header, rows: rows) }
        let mode = dryRun ? "dry run, nothing was changed" : "replayed"
        out += "\(records.count) event(s) (\(mode)): \(changed) changed, \(unchanged) unchanged, \(failed) failed\n"
        return out
    }

    static func label(_ status: EventStatus, _ outcome: BillingOutcome?) -> String {
        outcome.map { "\(status.rawValue)/\($0.rawValue)" } ?? status.rawValue
    }
}

/// Replay records in first-replayed order; a re-run of the same event keeps the first
/// record's `before` and takes the latest `after`.
struct RecordList {
    private var order: [Int64] = []
    private var byRow: [Int64: ReplayRecord] = [:]

    mutating func merge(_ records: [ReplayRecord]) {
        for r in records {
            guard let first = byRow[r.rowId] else {
                order.append(r.rowId)
                byRow[r.rowId] = r
                continue
            }
            byRow[r.rowId] = ReplayRecord(
                rowId: r.rowId, stripeEventId: r.stripeEventId, type: r.type, created: r.created,
                statusBefore: first.statusBefore, outcomeBefore: first.outcomeBefore, statusAfter: r.statusAfter,
                outcomeAfter: r.outcomeAfter, decided: r.decided, clientId: r.clientId ?? first.clientId, error: r.error)
        }
    }

    var all: [ReplayRecord] { order.compactMap { byRow[$0] } }
}

/// Prints "replay: 15000/100000 events (2,480 events/s)" each time another `every` events are done,
/// and at the end of a pass that printed anything.
struct ProgressMeter {
    let label: String
    let pass: Int
    let total: Int
    let every: Int
    let sink: ProgressSink
    private let started = ContinuousClock.now
    private var reported = 0

    init(label: String, pass: Int, total: Int, every: Int, sink: @escaping ProgressSink) {
        (self.label, self.pass, self.total, self.every, self.sink) = (label, pass, total, every, sink)
    }

    mutating func advance(to done: Int) {
        let crossed = done / every > reported / every
        guard crossed || (done >= total && reported > 0 && reported < total) else { return }
        reported = done
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int((Double(done) / seconds).rounded()) : 0
        let again = pass > 0 ? ", re-running re-queued events" : ""
        sink("\(label): \(done)/\(total) events (\(rate) events/s\(again))")
    }
}
