import BillingPostgres

/// What event processing left in a database, as comparable text (story tests, replay tests).
public enum ProcessingSnapshot {
    /// What processing left, without what depends on the wall clock: client rows, alerts (in order) and
    /// event settlements, one line each. Two runs of one plan with one worker must leave the same.
    public static func lines(pool: PGPool) async throws -> [String] {
        try await pool.withConnection { s in
            let queries = [
                """
                SELECT concat_ws('|', client_id, status, payment_source, stripe_customer_id, stripe_subscription_id,
                  stripe_subscription_status, trial_started_at, trial_ends_at, current_period_start, current_period_end,
                  cancel_at_period_end, canceled_at, collection_paused, latest_invoice_id, latest_invoice_created_at,
                  last_event_created_at, last_event_id, canceled_subscription_ids) AS line
                FROM client_billing ORDER BY client_id
                """,
                """
                SELECT concat_ws('|', client_id, outbound_paused, ai_disabled, ops_alerts_muted, payment_gate_alerted_at IS NULL,
                  payment_gate_alerted_states, payment_gate_alert_count) AS line
                FROM client_controls ORDER BY client_id
                """,
                """
                SELECT concat_ws('|', alert_type, alert_key, severity, client_id, message, metadata, acknowledged_at IS NULL,
                  acknowledged_by, resolution) AS line
                FROM alert_logs ORDER BY id
                """,
                """
                SELECT concat_ws('|', stripe_event_id, status, outcome, attempts, client_id, delivery_count) AS line
                FROM billing_events ORDER BY stripe_event_id
                """,
            ]
            return try queries.flatMap { sql in try s.query(PGQuery(unsafeSQL: sql)).rows.map { $0.string("line") ?? "" } }
        }
    }
}
