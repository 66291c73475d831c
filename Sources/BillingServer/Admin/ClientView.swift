import BillingCore
import BillingPostgres
import Foundation

/// The client view of SPEC §7, rendered by PostgreSQL:
/// `{"id","business_name","gate","billing":{…},"controls":{…},"onboarding":{…},"open_alert_count","last_event"}`.
///
/// Clients created directly by the main application may lack their companion rows: the view
/// shows the defaults the worker would create (PENDING, NONE, nothing paused, NOT_STARTED).
enum ClientView {
    /// One client's view, or `nil` when `clients` has no such id.
    static func fetch(_ clientId: String, in session: PGSession) throws -> String? {
        var sql = SQLBuilder()
        let text = select + " WHERE c.id = \(sql.bind(clientId))"
        return try session.query(PGQuery(unsafeSQL: text, binds: sql.binds)).first?.string("view")
    }

    /// A page of clients ordered by id, filtered by status and/or gate.
    static func list(status: BillingStatus?, gate: PaymentGate?, page: PageRequest, in session: PGSession) throws -> Page {
        var sql = SQLBuilder()
        var conditions: [String] = []
        if let status { conditions.append("\(effectiveStatus)::text = \(sql.bind(status.rawValue))") }
        if let gate {
            let states = BillingStatus.allCases.filter { $0.paymentGate == gate }.map(\.rawValue)
            conditions.append("\(effectiveStatus)::text = ANY(\(sql.bind(PGArray.literal(states)))::text[])")
        }
        if let after = page.after { conditions.append("c.id > \(sql.bind(after))") }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let text = select + whereClause + " ORDER BY c.id LIMIT \(page.limit + 1)"
        let rows = try session.query(PGQuery(unsafeSQL: text, binds: sql.binds)).rows
        return Page(rows: rows.map { ($0.string("id") ?? "", $0.string("view") ?? "{}") }, limit: page.limit)
    }

    /// Adds `gate` (from the status, by the core's rule) to a rendered view.
    static func object(_ text: String?) -> [String: Any] {
        var view = RowJSON.object(text)
        let status = (view["billing"] as? [String: Any])?["status"] as? String
        view["gate"] = status.flatMap(BillingStatus.init(rawValue:))?.paymentGate.rawValue ?? NSNull()
        return view
    }

    private static let effectiveStatus = "COALESCE(b.status, 'PENDING')"

    private static let select = """
        SELECT c.id, jsonb_build_object(
          'id', c.id,
          'business_name', c.business_name,
          'billing', jsonb_build_object(
            'status', \(effectiveStatus),
            'payment_source', COALESCE(b.payment_source, 'NONE'),
            'stripe_customer_id', b.stripe_customer_id,
            'stripe_subscription_id', b.stripe_subscription_id,
            'trial_ends_at', b.trial_ends_at,
            'current_period_end', b.current_period_end,
            'cancel_at_period_end', COALESCE(b.cancel_at_period_end, false),
            'collection_paused', COALESCE(b.collection_paused, false),
            'canceled_at', b.canceled_at),
          'controls', jsonb_build_object(
            'outbound_paused', COALESCE(k.outbound_paused, false),
            'ai_disabled', COALESCE(k.ai_disabled, false),
            'ops_alerts_muted', COALESCE(k.ops_alerts_muted, false),
            'payment_gate_alerted_at', k.payment_gate_alerted_at,
            'payment_gate_alert_count', COALESCE(k.payment_gate_alert_count, 0)),
          'onboarding', jsonb_build_object(
            'current_state', COALESCE(o.current_state, 'NOT_STARTED'),
            'completed_at', o.completed_at),
          'open_alert_count', (SELECT count(*) FROM alert_logs a WHERE a.client_id = c.id AND a.acknowledged_at IS NULL),
          'last_event', CASE WHEN b.last_event_id IS NULL THEN NULL ELSE jsonb_build_object(
            'id', b.last_event_id,
            'type', (SELECT e.type FROM billing_events e WHERE e.stripe_event_id = b.last_event_id),
            'created', b.last_event_created_at) END
        )::text AS view
        FROM clients c
        LEFT JOIN client_billing b ON b.client_id = c.id
        LEFT JOIN client_controls k ON k.client_id = c.id
        LEFT JOIN onboarding_states o ON o.client_id = c.id
        """
}
