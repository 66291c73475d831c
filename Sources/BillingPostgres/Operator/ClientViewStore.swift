import BillingCore

/// The client view of SPEC §7, rendered by PostgreSQL as a JSON object:
/// `{"id","business_name","billing":{…},"controls":{…},"onboarding":{…},"open_alert_count","last_event"}`
/// (the caller adds `gate`, by the core's rule).
///
/// Clients created directly by the main application may lack their companion rows: the view
/// shows the defaults the worker would create (PENDING, NONE, nothing paused, NOT_STARTED).
public enum ClientViewStore {
    /// One client's view as JSON text, or `nil` when `clients` has no such id.
    public static func view(clientId: String, in session: PGSession) throws -> String? {
        try session.query(PGQuery(unsafeSQL: select + " WHERE c.id = $1", binds: [clientId])).first?.string("view")
    }

    /// A page of client views ordered by client id, filtered by status and/or gate (both by the
    /// effective status: PENDING for a client without its `client_billing` row).
    /// - Parameters:
    ///   - afterId: the client id of the previous page's last row.
    ///   - limit: the most rows answered.
    public static func page(
        status: BillingStatus?, gate: PaymentGate?, afterId: String?, limit: Int, in session: PGSession
    ) throws -> RowPage {
        var binds: [String?] = []
        func bind(_ value: String) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions: [String] = []
        if let status { conditions.append("\(effectiveStatus)::text = \(bind(status.rawValue))") }
        if let gate {
            let states = BillingStatus.allCases.filter { $0.paymentGate == gate }.map(\.rawValue)
            conditions.append("\(effectiveStatus)::text = ANY(\(bind(PGArray.literal(states)))::text[])")
        }
        if let afterId { conditions.append("c.id > \(bind(afterId))") }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let text = select + whereClause + " ORDER BY c.id LIMIT \(limit + 1)"
        let fetched = try session.query(PGQuery(unsafeSQL: text, binds: binds)).rows
            .map { RenderedRow(key: $0.string("id") ?? "", json: $0.string("view") ?? "{}") }
        return RowPage(fetched: fetched, limit: limit)
    }

    /// Whether `clients` has the id.
    public static func exists(clientId: String, in session: PGSession) throws -> Bool {
        try !session.query("SELECT 1 AS one FROM clients WHERE id = \(clientId)").isEmpty
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
