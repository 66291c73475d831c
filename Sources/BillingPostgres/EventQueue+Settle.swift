import BillingCore

/// Settling what the handler decided: the events' rows in one statement, the failures one by
/// one, and the re-queues the decisions call for.
extension EventQueue {
    /// Most events settled one at a time (one savepoint each) in a transaction: PostgreSQL keeps 64
    /// subtransactions per backend in its cache; more slow every other session's snapshots.
    static let oneByOneLimit = 48

    /// Hands `events` to the handler and settles them, inside one savepoint: dispositions in one
    /// statement, then the re-queues, then each failure (`fail`). Returns the report and the
    /// handler's `committed` callback, for the caller to run once the transaction commits. Throws,
    /// with the savepoint rolled back, when a statement fails.
    func processTogether(
        _ events: [ClaimedEvent], handler: some EventHandler, in session: PGSession, now: Int64, clock: @Sendable () -> Double
    ) throws -> (BatchReport, @Sendable () -> Void) {
        let started = clock()
        try session.execute(script: "SAVEPOINT batch")
        do {
            let handling = try handler.handle(events, in: session, now: now)
            guard handling.results.count == events.count else {
                throw EventFailure("the handler answered \(handling.results.count) results for \(events.count) events")
            }
            try settleAll(events, handling.results, in: session)
            try Self.requeue(handling.requeues, of: events, in: session)
            var report = BatchReport()
            report.claimed = events.count
            let seconds = (clock() - started) / Double(max(1, events.count))
            for (event, result) in zip(events, handling.results) {
                switch result {
                case .success(let disposition):
                    report.count(event, disposition, seconds: seconds)
                case .failure(let failure):
                    report.count(event, failedWith: try fail(event, error: failure, in: session, now: now), seconds: seconds)
                }
            }
            try session.execute(script: "RELEASE SAVEPOINT batch")
            return (report, handling.committed)
        } catch let error as PostgresError where error.isConnectionFailure {
            throw error
        } catch {
            try session.execute(script: "ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch")
            throw error
        }
    }

    /// Writes every disposition in one statement, and puts the postponed events back, due in a
    /// second. Failed events are left to `fail`.
    ///
    /// A claimed event counts one more attempt and its `processed_at` is now. A `replayed` one
    /// (`replay`) moves `attempts` and `processed_at` only when its status or outcome changes, is not
    /// postponed (replay leaves it as it was), and a row that would be written with the values it
    /// holds is not written at all — so a second replay rewrites nothing.
    func settleAll(
        _ events: [ClaimedEvent], _ results: [Result<EventDisposition, EventFailure>], replayed: Bool = false,
        in session: PGSession
    ) throws {
        let columns = SettleColumns(events, results)
        if !replayed { try postpone(columns.postponed, in: session) }
        guard !columns.ids.isEmpty else { return }
        // In SET and WHERE, `e.status`, `e.outcome` and `e.processed_at` name the row's values before this update.
        try session.prepared("settle_events", """
            UPDATE billing_events AS e
            SET status = v.status, outcome = v.outcome, client_id = COALESCE(v.client_id, e.client_id),
                attempts = e.attempts + CASE WHEN \(replayed)::boolean AND e.status = v.status AND e.outcome IS NOT DISTINCT FROM v.outcome
                                             THEN 0 ELSE 1 END,
                processed_at = CASE WHEN v.status = 'unmatched' THEN NULL
                                    WHEN \(replayed)::boolean AND e.status = v.status AND e.outcome IS NOT DISTINCT FROM v.outcome
                                         AND e.processed_at IS NOT NULL THEN e.processed_at
                                    ELSE now() END,
                last_error = NULL,
                awaited_client_ids = string_to_array(v.awaited, E'\\x1F')
            FROM unnest(\(array: columns.ids)::bigint[], \(array: columns.statuses)::text[], \(array: columns.outcomes)::text[],
                        \(array: columns.clients)::text[], \(array: columns.awaited)::text[])
              AS v(id, status, outcome, client_id, awaited)
            WHERE e.id = v.id
              AND (NOT \(replayed)::boolean OR e.status IS DISTINCT FROM v.status OR e.outcome IS DISTINCT FROM v.outcome
                   OR e.client_id IS DISTINCT FROM COALESCE(v.client_id, e.client_id)
                   OR (e.processed_at IS NULL) <> (v.status = 'unmatched') OR e.last_error IS NOT NULL
                   OR e.awaited_client_ids IS DISTINCT FROM string_to_array(v.awaited, E'\\x1F'))
            """)
    }

    /// Puts events back, due a second from now — the statement's clock, not the batch transaction's
    /// start, which a long batch may have left behind — with their status and attempts unchanged.
    func postpone(_ rowIds: [Int64], in session: PGSession) throws {
        guard !rowIds.isEmpty else { return }
        try session.prepared("postpone_events", """
            UPDATE billing_events SET next_attempt_at = clock_timestamp() + interval '1 second'
            WHERE id = ANY(\(rowIds.map(String.init))::bigint[])
            """)
    }

    /// Re-queues what the decisions unblocked: the client's `superseded` events (a subscription
    /// became current, or the current one ended) and the `unmatched` events of a newly linked
    /// customer. They become due now and are claimed in `created` order. Processed one at a time, a
    /// decision re-queues what was settled before it, so the rows of `events` from the deciding
    /// event's position on are left alone.
    ///
    /// The `superseded` re-queues take one statement: of one client's decisions, the last one leaves
    /// the fewest rows alone and re-queues all that the earlier ones would have (they found the same
    /// rows, and left `received` whatever they re-queued).
    static func requeue(_ requeues: [BatchRequeue], of events: [ClaimedEvent], in session: PGSession) throws {
        var lastPosition: [String: Int] = [:]
        for r in requeues where r.supersededEvents { lastPosition[r.clientId] = max(lastPosition[r.clientId] ?? 0, r.index) }
        try requeueSuperseded(leavingAlone: lastPosition, of: events.map(\.rowId), in: session)
        for r in requeues where r.linkedCustomerId != nil {
            try requeueUnmatched(of: r, except: events[r.index...].map(\.rowId), in: session)
        }
    }

    /// Re-queues what one decision unblocked, leaving the rows of `rowIds` alone. Public for the
    /// other writers of decisions (`reconcile --apply`, with no row to leave alone).
    public static func requeue(_ requeue: BatchRequeue, except rowIds: [Int64], in session: PGSession) throws {
        if requeue.supersededEvents {
            try requeueSuperseded(leavingAlone: [requeue.clientId: 0], of: rowIds, in: session)
        }
        try requeueUnmatched(of: requeue, except: rowIds, in: session)
    }

    /// Re-queues the `processed`/`superseded` events of each client of `positions`, in one statement,
    /// leaving alone the rows of `rowIds` from the client's position on.
    private static func requeueSuperseded(leavingAlone positions: [String: Int], of rowIds: [Int64], in session: PGSession) throws {
        guard !positions.isEmpty else { return }
        let clients = positions.keys.sorted()
        // Arrays are 1-based: the rows left alone are `row_ids[position + 1:]`.
        try session.prepared("requeue_superseded", """
            UPDATE billing_events AS e SET status = 'received', outcome = NULL, next_attempt_at = now()
            FROM unnest(\(clients)::text[], \(clients.map { String(positions[$0]! + 1) })::int[]) AS v(client_id, first_left)
            WHERE e.client_id = v.client_id AND e.status = 'processed' AND e.outcome = 'superseded'
              AND e.id <> ALL((\(rowIds.map { String($0) })::bigint[])[v.first_left:])
            """)
    }

    /// Re-queues the `unmatched` events of the customer `requeue` links, leaving the rows of `rowIds` alone.
    private static func requeueUnmatched(of requeue: BatchRequeue, except rowIds: [Int64], in session: PGSession) throws {
        guard let customer = requeue.linkedCustomerId else { return }
        try ClientLinkLocks.lockCustomer(customer, in: session)
        try session.prepared("requeue_unmatched", """
            UPDATE billing_events SET status = 'received', next_attempt_at = now()
            WHERE status = 'unmatched' AND stripe_customer_id = \(customer) AND id <> ALL(\(rowIds.map { String($0) })::bigint[])
            """)
    }
}

/// The parallel arrays the settle statements unnest, for the events with a disposition other
/// than `postponed`: row id, status, outcome, client id and awaited client ids (one array element
/// each: joined by the unit separator, which `string_to_array` splits again, `''` → `{}`).
struct SettleColumns {
    var ids: [String?] = [], statuses: [String?] = [], outcomes: [String?] = [], clients: [String?] = []
    var awaited: [String?] = []
    /// Row ids of the postponed events.
    var postponed: [Int64] = []

    init(_ events: [ClaimedEvent], _ results: [Result<EventDisposition, EventFailure>]) {
        for (event, result) in zip(events, results) {
            guard case .success(let disposition) = result else { continue }
            guard let status = disposition.status else { postponed.append(event.rowId); continue }
            ids.append(String(event.rowId))
            statuses.append(status.rawValue)
            outcomes.append(disposition.outcome?.rawValue)
            clients.append(disposition.clientId)
            awaited.append(disposition.awaitedClientIds.map { $0.joined(separator: "\u{1F}") })
        }
    }
}
