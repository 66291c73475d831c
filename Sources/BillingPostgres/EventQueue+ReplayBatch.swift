import BillingCore

/// `replay` through the processor's path: a few hundred stored events per transaction, settled in
/// one statement, instead of one transaction per event (issue 19).
extension EventQueue {
    /// Replays the first events of `rowIds`, in order, in the caller's transaction: all of them
    /// together (`replayTogether`) when that leaves what one at a time would, otherwise the first
    /// `oneByOneLimit` of them one at a time (`replay(rowIds:handler:in:now:)`).
    /// - Returns: the records of the events replayed, and how many of `rowIds` they cover (at least one
    ///   when `rowIds` is not empty); the caller continues with the rest in its next transaction.
    public func replayStep(
        rowIds: ArraySlice<Int64>, handler: some EventHandler, in session: PGSession, now: Int64
    ) throws -> (records: [ReplayRecord], consumed: Int) {
        guard !rowIds.isEmpty else { return ([], 0) }
        do {
            if let records = try replayTogether(Array(rowIds), handler: handler, in: session, now: now) {
                return (records, rowIds.count)
            }
        } catch let error as PostgresError where error.isConnectionFailure {
            throw error
        } catch {
            // A statement failed (rolled back): one at a time shows which event.
        }
        let part = rowIds.prefix(Self.oneByOneLimit)
        return (try replay(rowIds: Array(part), handler: handler, in: session, now: now), part.count)
    }

    /// Replays `rowIds` in order through the handler inside one savepoint, each event settled by
    /// the replay rules against the status it had before. Pruned events are reported as not re-run;
    /// unknown ids are skipped. Throws, with the savepoint rolled back, when a statement fails.
    ///
    /// `nil` (rolled back) when a decision re-queues an event later in the same batch: one at a
    /// time, that event would be handed over as `received`, and its record and settlement depend
    /// on that.
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
            throw error
        }
    }

    /// Locks the rows of `rowIds` at once, in id order (as a processor holding one is waited for).
    static func lockReplayRows(_ rowIds: [Int64], in session: PGSession) throws -> [ReplayRow] {
        let locked = try session.prepared("replay_lock_events", """
            SELECT \(unsafeSQL: Self.claimedColumns), status, outcome
            FROM billing_events WHERE id = ANY(\(rowIds.map(String.init))::bigint[]) ORDER BY id FOR UPDATE
            """)
        var rows: [Int64: ReplayRow] = [:]
        for row in locked.rows {
            let event = Self.claimedEvent(row)
            rows[event.rowId] = ReplayRow(
                event: event, status: row.string("status").flatMap(EventStatus.init(rawValue:)) ?? .received,
                outcome: row.string("outcome").flatMap(BillingOutcome.init(rawValue:)))
        }
        return rowIds.compactMap { rows[$0] }
    }

    /// The body of `replayTogether`, inside its savepoint; `nil` declines.
    private func replayLocked(
        _ rowIds: [Int64], handler: some EventHandler, in session: PGSession, now: Int64
    ) throws -> (records: [ReplayRecord], committed: @Sendable () -> Void)? {
        let ordered = try Self.lockReplayRows(rowIds, in: session)
        let handed = ordered.filter { $0.event.payload != nil }
        var handling = BatchHandling(results: [])
        if !handed.isEmpty {
            handling = try handler.handle(handed.map(\.event), in: session, now: now)
            guard handling.results.count == handed.count else {
                throw EventFailure("the handler answered \(handling.results.count) results for \(handed.count) events")
            }
            if Self.requeuesLaterEvent(handling.requeues, in: handed) { return nil }
        }

        var byRow: [Int64: ReplayRecord] = [:]
        var settled: [(ClaimedEvent, Result<EventDisposition, EventFailure>)] = []
        for (row, result) in zip(handed, handling.results) {
            switch result {
            case .success(let decided):
                let kept = Self.keepingOutcome(of: (row.status, row.outcome), after: decided)
                settled.append((row.event, .success(kept)))
                byRow[row.event.rowId] = row.record(decided: decided, settled: kept)
            case .failure(let failure):
                byRow[row.event.rowId] = row.record(error: String(String(describing: failure).prefix(500)))
            }
        }
        try settleAll(settled.map(\.0), settled.map(\.1), replayed: true, in: session)
        try Self.requeue(handling.requeues, of: handed.map(\.event), in: session)

        let records = ordered.map {
            byRow[$0.event.rowId] ?? $0.record(error: "the payload was pruned; the event cannot be replayed")
        }
        return (records, handling.committed)
    }

    /// Whether a decision re-queues an event after it in the batch (`requeue`'s conditions, against
    /// the statuses the rows were locked with).
    static func requeuesLaterEvent(_ requeues: [BatchRequeue], in rows: [ReplayRow]) -> Bool {
        for requeue in requeues where requeue.index + 1 < rows.count {
            for row in rows[(requeue.index + 1)...] {
                if requeue.supersededEvents, row.event.clientId == requeue.clientId,
                   row.status == .processed, row.outcome == .superseded {
                    return true
                }
                if let customer = requeue.linkedCustomerId, row.event.customerId == customer, row.status == .unmatched {
                    return true
                }
            }
        }
        return false
    }
}
