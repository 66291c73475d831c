import BillingCore

/// Replaying stored events (SPEC §5, §8 `replay`, §7 `POST /api/admin/events/:id/replay`):
/// re-running them through the same handler against the *current* state. Not a rebuild.
public enum EventReplay {
    /// Replays one stored event, by Stripe id, in the caller's transaction (so an admin route
    /// can write its audit row in the same transaction).
    ///
    /// With `dryRun` the same code runs inside a savepoint that is rolled back: the record says
    /// what would happen, and nothing changes.
    /// - Parameters:
    ///   - stripeEventId: `evt_…`.
    ///   - handler: the production handler (`BillingEventHandler`).
    ///   - dryRun: roll the replay back after recording it.
    ///   - queue: whose settle rules to use (its retry policy is not used by replay).
    ///   - now: processing time, Unix seconds.
    /// - Returns: the record, or `nil` when no such event is stored.
    public static func replay(
        stripeEventId: String, handler: some EventHandler, dryRun: Bool = false, queue: EventQueue = EventQueue(),
        now: Int64, in session: PGSession
    ) throws -> ReplayRecord? {
        guard let rowId = try session.prepared(
            "replay_event_row", "SELECT id FROM billing_events WHERE stripe_event_id = \(stripeEventId)"
        ).first?.int64("id") else { return nil }
        return try replay(rowIds: [rowId], handler: handler, dryRun: dryRun, queue: queue, now: now, in: session).first
    }

    /// Replays several stored events in order, in the caller's transaction (see `replay(stripeEventId:…)`).
    public static func replay(
        rowIds: [Int64], handler: some EventHandler, dryRun: Bool, queue: EventQueue = EventQueue(), now: Int64,
        in session: PGSession
    ) throws -> [ReplayRecord] {
        guard dryRun else { return try queue.replay(rowIds: rowIds, handler: handler, in: session, now: now) }
        do {
            try session.savepoint("replay_dry_run") { (session: PGSession) throws -> Void in
                throw DryRunRollback(records: try queue.replay(rowIds: rowIds, handler: handler, in: session, now: now))
            }
        } catch let rollback as DryRunRollback {
            return rollback.records
        }
        return []
    }

    /// Carries a dry run's records out of the savepoint it rolls back.
    private struct DryRunRollback: Error {
        let records: [ReplayRecord]
    }
}

/// Which stored events `replay` re-runs (SPEC §8 filters). Every filter set must match.
public struct ReplaySelection: Sendable, Hashable {
    /// `evt_…`.
    public var stripeEventId: String?
    /// The event's client — or, for events not yet resolved, the client's Stripe customer.
    public var clientId: String?
    /// Stripe `created` at or after, Unix seconds.
    public var since: Int64?
    /// Stripe `created` at or before, Unix seconds.
    public var until: Int64?
    public var status: EventStatus?

    public init(stripeEventId: String? = nil, clientId: String? = nil, since: Int64? = nil, until: Int64? = nil,
                status: EventStatus? = nil) {
        self.stripeEventId = stripeEventId
        self.clientId = clientId
        self.since = since
        self.until = until
        self.status = status
    }

    /// The matching rows' ids, oldest Stripe `created` first (ties by id), as the processor orders them.
    public func rowIds(in session: PGSession) throws -> [Int64] {
        try session.query("""
            SELECT e.id FROM billing_events e
            WHERE (\(stripeEventId)::text IS NULL OR e.stripe_event_id = \(stripeEventId))
              AND (\(clientId)::text IS NULL OR e.client_id = \(clientId)
                   OR (e.client_id IS NULL AND e.stripe_customer_id IS NOT NULL AND e.stripe_customer_id =
                       (SELECT b.stripe_customer_id FROM client_billing b WHERE b.client_id = \(clientId))))
              AND (\(since)::bigint IS NULL OR e.stripe_created_at >= to_timestamp(\(since)::bigint))
              AND (\(until)::bigint IS NULL OR e.stripe_created_at <= to_timestamp(\(until)::bigint))
              AND (\(status?.rawValue)::text IS NULL OR e.status = \(status?.rawValue))
            ORDER BY e.stripe_created_at, e.id
            """).rows.compactMap { $0.int64("id") }
    }
}
