import BillingCore

/// Writes and reads the append-only `billing_status_history` (issue 18): one row per change of a
/// client's status or payment source, appended in the transaction that makes the change.
public enum StatusHistoryStore {
    /// Appends the changes (client id, change) in order, in one statement.
    public static func append(_ changes: [(clientId: String, change: StatusChange)], in session: PGSession) throws {
        guard !changes.isEmpty else { return }
        var clients: [String?] = [], fromStatus: [String?] = [], toStatus: [String?] = [], fromSource: [String?] = []
        var toSource: [String?] = [], causes: [String?] = [], eventIds: [String?] = [], eventTypes: [String?] = []
        var adminIds: [String?] = [], actions: [String?] = [], subscriptions: [String?] = []
        for (clientId, change) in changes {
            clients.append(clientId)
            fromStatus.append(change.fromStatus.rawValue)
            toStatus.append(change.toStatus.rawValue)
            fromSource.append(change.fromSource.rawValue)
            toSource.append(change.toSource.rawValue)
            let cause = Cause(change.cause)
            causes.append(cause.kind)
            eventIds.append(cause.eventId)
            eventTypes.append(cause.eventType)
            adminIds.append(cause.adminId)
            actions.append(cause.action)
            subscriptions.append(cause.subscriptionId)
        }
        try session.prepared("append_status_history", """
            INSERT INTO billing_status_history (client_id, from_status, to_status, from_source, to_source, cause,
                                                stripe_event_id, stripe_event_type, admin_id, admin_action, stripe_subscription_id)
            SELECT c, fs::"BillingStatus", ts::"BillingStatus", fp::"PaymentSource", tp::"PaymentSource", k, e, et, a, act, sub
            FROM unnest(\(array: clients)::text[], \(array: fromStatus)::text[], \(array: toStatus)::text[],
                        \(array: fromSource)::text[], \(array: toSource)::text[], \(array: causes)::text[],
                        \(array: eventIds)::text[], \(array: eventTypes)::text[], \(array: adminIds)::text[],
                        \(array: actions)::text[], \(array: subscriptions)::text[])
                 WITH ORDINALITY AS v(c, fs, ts, fp, tp, k, e, et, a, act, sub, n)
            ORDER BY n
            """)
    }

    /// A cause as the table's columns.
    struct Cause {
        var kind: String
        var eventId: String?, eventType: String?, adminId: String?, action: String?, subscriptionId: String?

        init(_ cause: GateChangeCause) {
            switch cause {
            case .stripeEvent(let id, let type): kind = "event"; eventId = id; eventType = type
            case .adminAction(let name, let admin): kind = "admin"; adminId = admin; action = name.rawValue
            case .reconcile(let subscription, _): kind = "reconcile"; subscriptionId = subscription
            }
        }
    }

    /// One row of a client's history.
    public struct Entry: Sendable, Hashable {
        public var id: Int64
        public var fromStatus: BillingStatus
        public var toStatus: BillingStatus
        public var fromSource: PaymentSource
        public var toSource: PaymentSource
        /// `event`, `admin` or `reconcile`.
        public var cause: String
        public var stripeEventId: String?
        public var stripeEventType: String?
        public var adminId: String?
        public var adminAction: String?
        public var stripeSubscriptionId: String?
        /// Unix seconds (microseconds kept as the fraction).
        public var changedAt: Double
    }

    /// A client's newest `limit` history rows, oldest first.
    public static func latest(clientId: String, limit: Int, in session: PGSession) throws -> [Entry] {
        try session.prepared("status_history_latest", """
            SELECT * FROM (
              SELECT id, from_status::text AS from_status, to_status::text AS to_status, from_source::text AS from_source,
                     to_source::text AS to_source, cause, stripe_event_id, stripe_event_type, admin_id, admin_action,
                     stripe_subscription_id, extract(epoch FROM changed_at)::float8 AS changed_at
              FROM billing_status_history
              WHERE client_id = \(clientId)
              ORDER BY id DESC
              LIMIT \(limit)) newest
            ORDER BY id
            """).rows.map { r in
            Entry(
                id: r.int64("id") ?? 0,
                fromStatus: r.string("from_status").flatMap(BillingStatus.init(rawValue:)) ?? .pending,
                toStatus: r.string("to_status").flatMap(BillingStatus.init(rawValue:)) ?? .pending,
                fromSource: r.string("from_source").flatMap(PaymentSource.init(rawValue:)) ?? .none,
                toSource: r.string("to_source").flatMap(PaymentSource.init(rawValue:)) ?? .none,
                cause: r.string("cause") ?? "", stripeEventId: r.string("stripe_event_id"),
                stripeEventType: r.string("stripe_event_type"), adminId: r.string("admin_id"),
                adminAction: r.string("admin_action"), stripeSubscriptionId: r.string("stripe_subscription_id"),
                changedAt: r.double("changed_at") ?? 0)
        }
    }
}

extension StatusHistoryStore {
    /// Gate closings (a change into PAST_DUE, UNPAID, PAUSED or CANCELED from a state outside them, but for
    /// PENDING → CANCELED, an abandoned signup that SPEC §6 never alerts) and
    /// reopenings (from one of them into TRIALING or ACTIVE) per UTC day since `since` (Unix seconds),
    /// oldest first, days without any left out. Reads the history's `changed_at` index only.
    public static func gateChangesPerDay(since: Int64, in session: PGSession) throws -> [(day: Int64, closings: Int, reopenings: Int)] {
        try session.prepared("gate_changes_per_day", """
            SELECT extract(epoch FROM date_trunc('day', changed_at AT TIME ZONE 'UTC'))::bigint AS day,
                   count(*) FILTER (WHERE to_status IN ('PAST_DUE', 'UNPAID', 'PAUSED', 'CANCELED')
                                     AND from_status NOT IN ('PAST_DUE', 'UNPAID', 'PAUSED', 'CANCELED')
                                     AND NOT (from_status = 'PENDING' AND to_status = 'CANCELED')) AS closings,
                   count(*) FILTER (WHERE to_status IN ('TRIALING', 'ACTIVE')
                                     AND from_status IN ('PAST_DUE', 'UNPAID', 'PAUSED', 'CANCELED')) AS reopenings
            FROM billing_status_history
            WHERE changed_at >= to_timestamp(\(since)) AND from_status <> to_status
            GROUP BY 1 ORDER BY 1
            """).rows.map { ($0.int64("day") ?? 0, $0.int("closings") ?? 0, $0.int("reopenings") ?? 0) }
    }
}
