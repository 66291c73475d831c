import BillingCore

/// `replay` through the processor's batch path (issue 19): a few hundred stored events per
/// transaction, settled in one statement, instead of one transaction per event.
extension EventQueue {
    /// Replays the first events of `rowIds`, in order, in the caller's transaction: all of them
    /// together (`replayTogether`) when the handler's batch path can, otherwise the first
    /// `oneByOneLimit` of them one by one, each in a savepoint (`replay(rowIds:handler:in:now:)`).
    /// - Returns: the records of the events replayed, and how many of `rowIds` they cover (at least one
    ///   when `rowIds` is not empty); the caller continues with the rest in its next transaction.
    public func replayStep(
        rowIds: ArraySlice<Int64>, handler: some EventHandler, in session: PGSession, now: Int64
    ) throws -> (records: [ReplayRecord], consumed: Int) {
        guard !rowIds.isEmpty else { return ([], 0) }
        if let records = try replayTogether(Array(rowIds), handler: handler, in: session, now: now) {
            return (records, rowIds.count)
        }
        let part = rowIds.prefix(Self.oneByOneLimit)
        return (try replay(rowIds: Array(part), handler: handler, in: session, now: now), part.count)
    }

    /// Replays `rowIds` in order through `handler.handleBatch` inside one savepoint, leaving exactly
    /// what `replay(rowIds:handler:in:now:)` leaves: the same client rows, alerts and re-queues, and each
    /// event settled by the `.replayed` rules against the status it had before.
    ///
    /// `nil` (the savepoint rolled back; the caller goes one by one) when the handler has no batch path
    /// or declines, when it does not report its re-queues, when a statement fails, or when a decision
    /// re-queues an event later in the same batch: one by one, that event would be handed over as
    /// `received`, and its record and settlement depend on that.
    /// Pruned events are reported as one by one reports them; unknown ids are skipped.
    func replayTogether(
        _ rowIds: [Int64], handler: some EventHandler, in session: PGSession, now: Int64
    ) throws -> [ReplayRecord]? {
        try session.execute(script: "SAVEPOINT replay_batch")
        do {
            guard let records = try replayLocked(rowIds, handler: handler, in: session, now: now) else {
                try session.execute(script: "ROLLBACK TO SAVEPOINT replay_batch; RELEASE SAVEPOINT replay_batch")
                return nil
            }
            try session.execute(script: "RELEASE SAVEPOINT replay_batch")
            records.committed()
            return records.records
        } catch let error as PostgresError where error.isConnectionFailure {
            throw error
        } catch {
            try session.execute(script: "ROLLBACK TO SAVEPOINT replay_batch; RELEASE SAVEPOINT replay_batch")
            return nil
        }
    }

    /// The body of `replayTogether`, inside its savepoint; `nil` declines.
    private func replayLocked(
        _ rowIds: [Int64], handler: some EventHandler, in session: PGSession, now: Int64
    ) throws -> (records: [ReplayRecord], committed: @Sendable () -> Void)? {
        // Lock every row at once, in id order (as one by one waits for a processor holding one).
        let locked = try session.prepared("replay_lock_events", """
            SELECT \(unsafeSQL: Self.claimedColumns), status, outcome
            FROM billing_events WHERE id = ANY(\(rowIds.map(String.init))::bigint[]) ORDER BY id FOR UPDATE
            """)
        var rows: [Int64: ReplayRow] = [:]
        for row in locked.rows {
            let event = Self.claimedEvent(row)
            rows[event.rowId] = ReplayRow(event: event, status: row.string("status") ?? "received", outcome: row.string("outcome"))
        }
        let ordered = rowIds.compactMap { rows[$0] }
        let handed = ordered.filter { $0.event.payload != nil }
        var handling: BatchHandling?
        if !handed.isEmpty {
            guard let batch = try handler.handleBatch(handed.map(\.event), in: session, now: now),
                  let requeues = batch.requeues, batch.results.count == handed.count,
                  !Self.requeuesLaterEvent(requeues, in: handed)
            else { return nil }
            handling = batch
        }

        var byRow: [Int64: ReplayRecord] = [:]
        var settled: [(ClaimedEvent, Result<EventDisposition, BatchEventFailure>)] = []
        for (row, result) in zip(handed, handling?.results ?? []) {
            switch result {
            case .success(let decided):
                let kept = Self.keepingOutcome(of: (row.status, row.outcome), after: decided)
                settled.append((row.event, .success(kept)))
                byRow[row.event.rowId] = row.record(decided: decided, settled: kept)
            case .failure(let failure):
                byRow[row.event.rowId] = row.record(error: String(String(describing: failure).prefix(500)))
            }
        }
        try settleAllReplayed(settled.map(\.0), settled.map(\.1), in: session)
        try handling?.afterSettle(session)

        var records: [ReplayRecord] = []
        for row in ordered {
            records.append(byRow[row.event.rowId] ?? row.record(error: "the payload was pruned; the event cannot be replayed"))
        }
        var committed: @Sendable () -> Void = {}
        if let handling { committed = handling.committed }
        return (records, committed)
    }

    /// Whether a decision re-queues an event after it in the batch (`BillingEventHandler.requeue`'s
    /// conditions, against the statuses the rows were locked with).
    static func requeuesLaterEvent(_ requeues: [BatchRequeue], in rows: [ReplayRow]) -> Bool {
        for requeue in requeues where requeue.index + 1 < rows.count {
            for row in rows[(requeue.index + 1)...] {
                if requeue.supersededEvents, row.event.clientId == requeue.clientId,
                   row.status == EventStatus.processed.rawValue, row.outcome == BillingOutcome.superseded.rawValue {
                    return true
                }
                if let customer = requeue.linkedCustomerId, row.event.customerId == customer,
                   row.status == EventStatus.unmatched.rawValue {
                    return true
                }
            }
        }
        return false
    }

    /// `settle(_:_:mode: .replayed, in:)` for every event in one statement: `attempts` and
    /// `processed_at` move only when the status or outcome changes. A row that would be written with
    /// the values it holds is not written at all (a second replay rewrites nothing).
    func settleAllReplayed(
        _ events: [ClaimedEvent], _ results: [Result<EventDisposition, BatchEventFailure>], in session: PGSession
    ) throws {
        let (ids, statuses, outcomes, clients, awaited) = Self.settleColumns(events, results)
        guard !ids.isEmpty else { return }
        // In SET, `e.status`, `e.outcome` and `e.processed_at` name the row's values before this update.
        try session.prepared("settle_events_replayed", """
            UPDATE billing_events AS e
            SET status = v.status, outcome = v.outcome, client_id = COALESCE(v.client_id, e.client_id),
                attempts = e.attempts + CASE WHEN e.status = v.status AND e.outcome IS NOT DISTINCT FROM v.outcome
                                             THEN 0 ELSE 1 END,
                processed_at = CASE WHEN v.status = 'unmatched' THEN NULL
                                    WHEN e.status = v.status AND e.outcome IS NOT DISTINCT FROM v.outcome
                                         AND e.processed_at IS NOT NULL THEN e.processed_at
                                    ELSE now() END,
                last_error = NULL,
                awaited_client_ids = string_to_array(v.awaited, E'\\x1F')
            FROM unnest(\(array: ids)::bigint[], \(array: statuses)::text[], \(array: outcomes)::text[], \(array: clients)::text[],
                        \(array: awaited)::text[])
              AS v(id, status, outcome, client_id, awaited)
            WHERE e.id = v.id
              AND (e.status IS DISTINCT FROM v.status OR e.outcome IS DISTINCT FROM v.outcome
                   OR e.client_id IS DISTINCT FROM COALESCE(v.client_id, e.client_id)
                   OR (e.processed_at IS NULL) <> (v.status = 'unmatched') OR e.last_error IS NOT NULL
                   OR e.awaited_client_ids IS DISTINCT FROM string_to_array(v.awaited, E'\\x1F'))
            """)
    }
}

/// A row locked for replay: the event and its status and outcome before.
struct ReplayRow {
    let event: ClaimedEvent
    let status: String
    let outcome: String?

    /// What `replay(rowIds:handler:in:now:)` records for a settled event.
    func record(decided: EventDisposition, settled: EventDisposition) -> ReplayRecord {
        let decidedOutcome: String?
        switch decided {
        case .processed(let outcome, _): decidedOutcome = outcome
        case .ignored: decidedOutcome = "ignored"
        case .unmatched: decidedOutcome = nil
        }
        switch settled {
        case .processed(let outcome, let clientId):
            return record(after: ("processed", outcome), decided: decidedOutcome, clientId: clientId)
        case .ignored(let clientId):
            return record(after: ("ignored", "ignored"), decided: decidedOutcome, clientId: clientId)
        case .unmatched:
            return record(after: ("unmatched", nil), decided: decidedOutcome, clientId: nil)
        }
    }

    /// The record of an event that was not re-run or whose handling failed: nothing changed.
    func record(error: String) -> ReplayRecord {
        record(after: (status, outcome), decided: nil, clientId: nil, error: error)
    }

    func record(after: (String, String?), decided: String?, clientId: String?, error: String? = nil) -> ReplayRecord {
        ReplayRecord(
            rowId: event.rowId, stripeEventId: event.stripeEventId, type: event.type, created: event.created,
            statusBefore: status, outcomeBefore: outcome, statusAfter: after.0, outcomeAfter: after.1,
            decided: decided, clientId: clientId ?? event.clientId, error: error)
    }
}
