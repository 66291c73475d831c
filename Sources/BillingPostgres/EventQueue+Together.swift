import BillingCore

/// What a handler did with a whole batch in a few statements (`EventHandler.handleBatch`).
/// The queue settles the events, runs `afterSettle`, records `failures`, and calls `committed`
/// once the batch's savepoint is released.
public struct BatchHandling: Sendable {
    /// One per claimed event, in claim order: the disposition, or why it failed.
    public var results: [Swift.Result<EventDisposition, BatchEventFailure>]
    /// Statements that must see the batch's settled rows (re-queues); run right after settling.
    public var afterSettle: @Sendable (PGSession) throws -> Void
    /// Called after the batch's writes succeeded (metrics).
    public var committed: @Sendable () -> Void
    /// The decisions that re-queue other events (`afterSettle` runs them), or `nil` when the handler does
    /// not say. `replay` batches only when it knows them: one by one, a re-queue also reaches the events
    /// later in the batch, which a replay hands over whatever their status (see `EventQueue.replayTogether`).
    public var requeues: [BatchRequeue]?

    public init(
        results: [Swift.Result<EventDisposition, BatchEventFailure>],
        afterSettle: @escaping @Sendable (PGSession) throws -> Void = { _ in },
        committed: @escaping @Sendable () -> Void = {},
        requeues: [BatchRequeue]? = nil
    ) {
        self.results = results
        self.afterSettle = afterSettle
        self.committed = committed
        self.requeues = requeues
    }
}

/// One decision of a batch that re-queues events (`BillingEventHandler.requeue(after:clientId:except:in:)`).
public struct BatchRequeue: Sendable, Equatable {
    /// The deciding event's position in the batch.
    public var index: Int
    /// The decision's client: its `processed`/`superseded` events are re-queued when `supersededEvents`.
    public var clientId: String
    public var supersededEvents: Bool
    /// The newly linked customer: its `unmatched` events are re-queued.
    public var linkedCustomerId: String?

    public init(index: Int, clientId: String, supersededEvents: Bool, linkedCustomerId: String?) {
        self.index = index
        self.clientId = clientId
        self.supersededEvents = supersededEvents
        self.linkedCustomerId = linkedCustomerId
    }
}

/// Why one event of a batch could not be processed (it is retried, then `failed`).
public struct BatchEventFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension EventHandler {
    /// Handlers without a batch path process events one by one.
    public func handleBatch(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling? { nil }
}

extension EventQueue {
    /// Most events settled one by one (one savepoint each) in a transaction: PostgreSQL keeps 64
    /// subtransactions per backend in its cache; more slow every other session's snapshots.
    static let oneByOneLimit = 48

    /// Settles the claimed events through `handler.handleBatch` inside one savepoint. `nil` when
    /// the handler has no batch path, declines this batch, or a statement fails: the savepoint is
    /// rolled back and the caller processes the events one by one.
    func processTogether(
        _ claimed: [ClaimedEvent], handler: some EventHandler, in session: PGSession, now: Int64, clock: @Sendable () -> Double
    ) throws -> BatchReport? {
        let started = clock()
        try session.execute(script: "SAVEPOINT batch")
        do {
            guard let handling = try handler.handleBatch(claimed, in: session, now: now) else {
                try session.execute(script: "ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch")
                return nil
            }
            try settleAll(claimed, handling.results, in: session)
            try handling.afterSettle(session)
            var report = BatchReport()
            report.claimed = claimed.count
            let seconds = (clock() - started) / Double(max(1, claimed.count))
            for (event, result) in zip(claimed, handling.results) {
                switch result {
                case .success(let disposition):
                    report.count(event, disposition, seconds: seconds)
                case .failure(let failure):
                    let status = try fail(event, error: failure, in: session, now: now)
                    if status == "failed" { report.failed += 1 } else { report.retried += 1 }
                    report.events.append(.init(stripeEventId: event.stripeEventId, type: event.type, status: status, outcome: nil, seconds: seconds))
                }
            }
            try session.execute(script: "RELEASE SAVEPOINT batch")
            handling.committed()
            return report
        } catch let error as PostgresError where error.isConnectionFailure {
            throw error
        } catch {
            try session.execute(script: "ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch")
            return nil
        }
    }

    /// Writes every disposition in one statement: what `settle(_:_:mode: .claimed, in:)` writes
    /// for each event. Failed events are left to `fail`.
    /// One event's awaited client ids as one array element (`settleAll` unnests parallel one-dimensional
    /// arrays): joined by the unit separator, which `string_to_array` splits again (`''` → `{}`).
    static func joinAwaited(_ ids: [String]) -> String {
        ids.joined(separator: "\u{1F}")
    }

    func settleAll(_ events: [ClaimedEvent], _ results: [Swift.Result<EventDisposition, BatchEventFailure>], in session: PGSession) throws {
        let (ids, statuses, outcomes, clients, awaited) = Self.settleColumns(events, results)
        guard !ids.isEmpty else { return }
        try session.prepared("settle_events", """
            UPDATE billing_events AS e
            SET status = v.status, outcome = v.outcome, client_id = COALESCE(v.client_id, e.client_id),
                attempts = e.attempts + 1,
                processed_at = CASE WHEN v.status = 'unmatched' THEN NULL ELSE now() END,
                last_error = NULL,
                awaited_client_ids = string_to_array(v.awaited, E'\\x1F')
            FROM unnest(\(array: ids)::bigint[], \(array: statuses)::text[], \(array: outcomes)::text[], \(array: clients)::text[],
                        \(array: awaited)::text[])
              AS v(id, status, outcome, client_id, awaited)
            WHERE e.id = v.id
            """)
    }

    /// The parallel arrays the settle statements unnest, for the events that succeeded: row id, status,
    /// outcome, client id and awaited client ids (`joinAwaited`).
    static func settleColumns(
        _ events: [ClaimedEvent], _ results: [Swift.Result<EventDisposition, BatchEventFailure>]
    ) -> (ids: [String?], statuses: [String?], outcomes: [String?], clients: [String?], awaited: [String?]) {
        var ids: [String?] = [], statuses: [String?] = [], outcomes: [String?] = [], clients: [String?] = []
        var awaited: [String?] = []
        for (event, result) in zip(events, results) {
            guard case .success(let disposition) = result else { continue }
            ids.append(String(event.rowId))
            switch disposition {
            case .processed(let o, let c): statuses.append("processed"); outcomes.append(o); clients.append(c)
            case .ignored(let c): statuses.append("ignored"); outcomes.append("ignored"); clients.append(c)
            case .unmatched: statuses.append("unmatched"); outcomes.append(nil); clients.append(nil)
            }
            awaited.append(disposition.awaitedClientIds.map(Self.joinAwaited))
        }
        return (ids, statuses, outcomes, clients, awaited)
    }
}
