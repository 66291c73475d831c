import BillingCore
import BillingPostgres

/// `billing-worker replay` (SPEC §5, §8): re-runs the selected stored events through the
/// production handler against the current state.
///
/// A real replay runs one transaction per event (lock the row, handler in a savepoint, settle);
/// a dry run runs every event in order in one transaction that is rolled back, so it shows
/// what a real run would do, event after event, and changes nothing.
public struct ReplayJob: Sendable {
    public var pool: PGPool
    public var handler: any EventHandler
    public var queue: EventQueue
    public var now: @Sendable () -> Int64
    /// Progress lines for long runs (every `progressEvery` events).
    public var progress: ProgressSink
    public var progressEvery: Int

    public init(
        pool: PGPool, handler: any EventHandler, queue: EventQueue = EventQueue(), now: @escaping @Sendable () -> Int64,
        progress: @escaping ProgressSink = { _ in }, progressEvery: Int = 500
    ) {
        self.pool = pool
        self.handler = handler
        self.queue = queue
        self.now = now
        self.progress = progress
        self.progressEvery = max(1, progressEvery)
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
        for _ in 0..<Self.maxPasses where !pending.isEmpty {
            for (n, id) in pending.enumerated() {
                let (handler, queue, now) = (self.handler, self.queue, self.now())
                records.merge(try await pool.withTransaction { session in
                    try EventReplay.replay(rowIds: [id], handler: handler, dryRun: false, queue: queue, now: now, in: session)
                })
                if (n + 1) % progressEvery == 0 { progress("replay: \(n + 1)/\(pending.count) events") }
            }
            pending = try await pool.withConnection { try Self.requeued(among: ids, in: $0) }
        }
        return ReplayReport(records: records.all, dryRun: false)
    }

    private func runDry(_ selection: ReplaySelection) async throws -> ReplayReport {
        let (handler, queue, now, progress, every) = (self.handler, self.queue, self.now(), self.progress, progressEvery)
        let (ids, records) = try await pool.withConnection { session -> ([Int64], [ReplayRecord]) in
            // One transaction, always rolled back: later events see earlier ones' effects.
            try session.execute(script: "BEGIN")
            defer { try? session.execute(script: "ROLLBACK") }
            let ids = try selection.rowIds(in: session)
            var records = RecordList()
            var pending = ids
            for _ in 0..<Self.maxPasses where !pending.isEmpty {
                var start = 0
                while start < pending.count {
                    let chunk = Array(pending[start..<min(start + every, pending.count)])
                    records.merge(try queue.replay(rowIds: chunk, handler: handler, in: session, now: now))
                    start += chunk.count
                    if start < pending.count { progress("replay (dry run): \(start)/\(pending.count) events") }
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
            let outcome = r.error == nil ? (r.decided ?? "-") : "-"
            rows.append([r.stripeEventId, r.type, CLITime.iso(r.created), before, after, outcome, r.clientId ?? "-"])
        }
        if !rows.isEmpty { out += TextTable.render(header: header, rows: rows) }
        let mode = dryRun ? "dry run, nothing was changed" : "replayed"
        out += "\(records.count) event(s) (\(mode)): \(changed) changed, \(unchanged) unchanged, \(failed) failed\n"
        return out
    }

    static func label(_ status: String, _ outcome: String?) -> String {
        outcome.map { "\(status)/\($0)" } ?? status
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
