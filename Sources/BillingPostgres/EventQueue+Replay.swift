import BillingCore

/// What re-running one stored event did (`replay`, SPEC §5, §8).
public struct ReplayRecord: Sendable, Equatable {
    /// `billing_events.id`.
    public let rowId: Int64
    public let stripeEventId: String
    public let type: String
    /// Stripe's `created`, Unix seconds.
    public let created: Int64
    public let statusBefore: EventStatus
    public let outcomeBefore: BillingOutcome?
    /// Equal to the `before` values when the event was skipped or failed.
    public let statusAfter: EventStatus
    public let outcomeAfter: BillingOutcome?
    /// What the handler decided this time (`applied`, `no_change`, `stale`, …; `nil` for
    /// `unmatched`, a skipped or a failed event). It can differ from `outcomeAfter`: a re-run
    /// of a `processed` event that applied nothing keeps the outcome the event had.
    public let decided: BillingOutcome?
    /// The resolved client, when known.
    public let clientId: String?
    /// Why the event was not re-run (payload pruned) or why the handler failed; nothing changed then.
    public let error: String?

    public init(
        rowId: Int64, stripeEventId: String, type: String, created: Int64, statusBefore: EventStatus,
        outcomeBefore: BillingOutcome?, statusAfter: EventStatus, outcomeAfter: BillingOutcome?, decided: BillingOutcome?,
        clientId: String?, error: String?
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
    /// caller's transaction, one at a time (each a batch of one in a savepoint of its own) and in
    /// the order given.
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
            do {
                records += try replayTogether([rowId], handler: handler, in: session, now: now) ?? []
            } catch let error as PostgresError where error.isConnectionFailure {
                throw error
            } catch {
                let message = String(String(describing: error).prefix(500))
                records += try Self.lockReplayRows([rowId], in: session).map { $0.record(error: message) }
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
        of before: (status: EventStatus, outcome: BillingOutcome?), after decided: EventDisposition
    ) -> EventDisposition {
        guard case .decided(let outcome, let clientId) = decided, outcome.eventStatus == .processed, outcome != .applied,
              before.status == .processed, let kept = before.outcome
        else { return decided }
        return .decided(kept, clientId: clientId)
    }
}

/// A row locked for replay: the event and its status and outcome before.
struct ReplayRow {
    let event: ClaimedEvent
    let status: EventStatus
    let outcome: BillingOutcome?

    /// What replay records for a settled event.
    func record(decided: EventDisposition, settled: EventDisposition) -> ReplayRecord {
        guard let status = settled.status else {
            return record(error: "a client the event names is being created by another transaction; replay it again")
        }
        return record(after: (status, settled.outcome), decided: decided.outcome, clientId: settled.clientId)
    }

    /// The record of an event that was not re-run or whose handling failed: nothing changed.
    func record(error: String) -> ReplayRecord {
        record(after: (status, outcome), decided: nil, clientId: nil, error: error)
    }

    func record(after: (EventStatus, BillingOutcome?), decided: BillingOutcome?, clientId: String?, error: String? = nil) -> ReplayRecord {
        ReplayRecord(
            rowId: event.rowId, stripeEventId: event.stripeEventId, type: event.type, created: event.created,
            statusBefore: status, outcomeBefore: outcome, statusAfter: after.0, outcomeAfter: after.1,
            decided: decided, clientId: clientId ?? event.clientId, error: error)
    }
}
