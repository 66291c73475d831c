import BillingCore
import BillingPostgres
import Foundation

/// Writes the one `admin_actions` row of a mutation (SPEC §7), inside the transaction of the
/// change itself, so the audit trail and the change commit together or not at all.
enum AuditLog {
    /// Appends the audit row; `metadata` is `{"before":…,"after":…}` plus `extra`.
    /// - Parameters:
    ///   - adminId: the authenticated admin.
    ///   - clientId: the client concerned, when there is one.
    ///   - before: the changed fields before the action (`nil` for a creation).
    ///   - after: the same fields after it.
    ///   - extra: context such as the alert or event id.
    @discardableResult
    static func record(
        adminId: String, clientId: String?, action: AuditAction, reason: String,
        before: [String: Any]?, after: [String: Any], extra: [String: Any] = [:], in session: PGSession
    ) throws -> Int64 {
        var metadata = extra
        metadata["before"] = before ?? NSNull()
        metadata["after"] = after
        return try AdminActionStore.append(
            adminId: adminId, clientId: clientId, action: action, reason: reason,
            metadataJSON: RowJSON.text(metadata), in: session)
    }

    /// The fields a billing action may change, for the audit's before/after.
    static func billingFields(_ b: ClientBilling, _ c: ClientControls) -> [String: Any] {
        ["status": b.status.rawValue, "payment_source": b.paymentSource.rawValue,
         "payment_gate_alerted_at": RowJSON.iso(c.paymentGateAlertedAt),
         "payment_gate_alerted_states": c.paymentGateAlertedStates.map(\.rawValue),
         "payment_gate_alert_count": c.paymentGateAlertCount]
    }

    /// The onboarding fields `complete-onboarding` changes, for the audit's before/after.
    static func onboardingFields(_ o: ClientActionStore.Onboarding?) -> [String: Any] {
        ["current_state": o?.currentState ?? NSNull(), "completed_at": o?.completedAt.map(RowJSON.timestamp) ?? NSNull()]
    }
}
