import BillingCore
import BillingPostgres
import Foundation

/// The SQL pieces of the client actions (`AdminActions.perform`): audit snapshots, the gate
/// alerts an opening acknowledges, control flags and onboarding.
enum ClientActionSQL {
    /// The fields a billing action may change, for the audit's before/after.
    static func snapshot(_ b: ClientBilling, _ c: ClientControls) -> [String: Any] {
        ["status": b.status.rawValue, "payment_source": b.paymentSource.rawValue,
         "payment_gate_alerted_at": RowJSON.iso(c.paymentGateAlertedAt),
         "payment_gate_alerted_states": c.paymentGateAlertedStates.map(\.rawValue),
         "payment_gate_alert_count": c.paymentGateAlertCount]
    }

    /// Ids of the client's open payment-gate alerts (those the gate opening acknowledges).
    static func openGateAlertIds(_ clientId: String, in s: PGSession) throws -> [Int64] {
        try s.query("""
            SELECT id FROM alert_logs
            WHERE client_id = \(clientId) AND alert_type = 'PAYMENT_GATE' AND acknowledged_at IS NULL ORDER BY id
            """).rows.compactMap { $0.int64("id") }
    }

    /// Sets one boolean of `client_controls`; `column` is chosen by the code, never by input.
    static func setControl(_ column: String, to value: Bool, clientId: String, in s: PGSession) throws {
        try s.query("UPDATE client_controls SET \(unsafeSQL: column) = \(value), updated_at = now() WHERE client_id = \(clientId)")
    }

    /// `current_state = 'COMPLETED'`; `completed_at` is set on the first completion and kept after.
    static func completeOnboarding(_ clientId: String, in s: PGSession) throws -> ([String: Any], [String: Any]) {
        let old = try s.query("""
            SELECT current_state, to_jsonb(completed_at) #>> '{}' AS completed_at
            FROM onboarding_states WHERE client_id = \(clientId) FOR UPDATE
            """).first
        let new = try s.query("""
            UPDATE onboarding_states SET current_state = 'COMPLETED', completed_at = COALESCE(completed_at, now()),
                   updated_at = now()
            WHERE client_id = \(clientId)
            RETURNING current_state, to_jsonb(completed_at) #>> '{}' AS completed_at
            """).first
        func fields(_ row: PGRow?) -> [String: Any] {
            ["current_state": row?.string("current_state") ?? NSNull(),
             "completed_at": row?.string("completed_at").map(RowJSON.timestamp) ?? NSNull()]
        }
        return (fields(old), fields(new))
    }
}
