import BillingCore

/// What re-running one stored event did (`replay`, SPEC §5, §8).
public struct ReplayRecord: Sendable, Equatable {
    /// `billing_events.id`.
    public let rowId: Int64
    public let stripeEventId: String
    public let type: String
    /// Stripe's `created`, Unix seconds.
    public let created: Int64
    public let statusBefore: String
    public let outcomeBefore: String?
    /// Equal to the `before` values when the event was skipped or failed.
    public let statusAfter: String
    public let outcomeAfter: String?
    /// What the handler decided this time (`applied`, `no_change`, `stale`, …; `nil` for
    /// `unmatched`, a skipped or a failed event). It can differ from `outcomeAfter`: a re-run
    /// of a `processed` event that applied nothing keeps the outcome the event had.
    public let decided: String?
    /// The resolved client, when known.
    public let clientId: String?
    /// Why the event was not re-run (payload pruned) or why the handler failed; nothing changed then.
    public let error: String?

    public init(
        rowId: Int64, stripeEventId: String, type: String, created: Int64, statusBefore: String, outcomeBefore: String?,
        statusAfter: String, outcomeAfter: String?, decided: String?, clientId: String?, error: String?
    ) {
        self.rowId = rowId
        self.stripeEventId = stripeEventId
        self.type = type
        self.created = created
        self.statusBefore = statusBefore
        self.outcomeBefore = outcomeBefore
        self.statusAfter = statusAfter
        self.outcomeAfter = outcomeAfter
        self.decided = decided
        self.clientId = clientId
        self.error = error
    }

    /// Whether the event's status or outcome changed.
    public var changed: Bool { statusBefore != statusAfter || outcomeBefore != outcomeAfter }
}

extension EventQueue {
    /// Re-runs the given stored events through `handler` against the current state, in the
    /// caller's transaction, each in a savepoint of its own and in the order given.
    ///
    /// Each row is locked (`FOR UPDATE`: a processor holding it is waited for), handed to the
    /// handler whatever its status, and settled like a claimed event, except that `attempts`
    /// and `processed_at` only move when the status or outcome changes — so a second replay
    /// changes nothing. A handler failure rolls back that event's savepoint and is reported in
    /// the record; the row keeps its status. Connection failures are thrown.
    /// - Parameters:
    ///   - rowIds: `billing_events.id`s; unknown ids are skipped.
    ///   - now: the processing time, Unix seconds.
    public func replay(
        rowIds: [Int64], handler: some EventHandler, in session: PGSession, now: Int64
    ) throws -> [ReplayRecord] {
        var records: [ReplayRecord] = []
        for rowId in rowIds {
            guard let row = try session.prepared("replay_lock_event", """
                SELECT \(unsafeSQL: Self.claimedColumns), status, outcome
                FROM billing_events WHERE id = \(rowId) FOR UPDATE
                """).first
            else { continue }
            let replayRow = ReplayRow(event: Self.claimedEvent(row), status: row.string("status") ?? "received", outcome: row.string("outcome"))
            let event = replayRow.event
            guard event.payload != nil else {
                records.append(replayRow.record(error: "the payload was pruned; the event cannot be replayed"))
                continue
            }
            do {
                let (decided, settled) = try session.savepoint("replay_event") { session in
                    let decided = try handler.handle(event, in: session, now: now)
                    let settled = Self.keepingOutcome(of: (replayRow.status, replayRow.outcome), after: decided)
                    try settle(event, settled, mode: .replayed, in: session)
                    return (decided, settled)
                }
                records.append(replayRow.record(decided: decided, settled: settled))
            } catch let error as PostgresError where error.isConnectionFailure {
                throw error
            } catch {
                records.append(replayRow.record(error: String(String(describing: error).prefix(500))))
            }
        }
        return records
    }

    /// A re-run of an event already `processed` that did not apply anything (`no_change`,
    /// `stale`, `pinned`, `superseded`) leaves the event's row as it was: the state holds its
    /// effects (or correctly lacks them), and its recorded outcome still says what processing
    /// did. So a second replay of the same events changes nothing, not even their outcomes;
    /// `ReplayRecord.decided` still shows what the re-run decided.
    static func keepingOutcome(
        of before: (status: String, outcome: String?), after decided: EventDisposition
    ) -> EventDisposition {
        guard case .processed(let outcome, let clientId) = decided, outcome != BillingOutcome.applied.rawValue,
              before.status == EventStatus.processed.rawValue, let kept = before.outcome
        else { return decided }
        return .processed(outcome: kept, clientId: clientId)
    }
}
