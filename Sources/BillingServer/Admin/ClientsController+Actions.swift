import BillingCore
import BillingPostgres
import Foundation
import Hummingbird

/// The client actions: billing effects go through the core state machine (the same rules as
/// Stripe events, alerts included); the others set one flag or the onboarding state. Each runs
/// in one transaction with its audit row and answers 200 with the client view.
extension ClientsController {
    /// What an action did, carried out of its transaction for the response and the metrics.
    struct ActionResult: Sendable {
        var view: String?
        var transition: StatusTransition?
        var alerts: [AlertToAppend]
    }

    func perform(_ action: ClientAction, _ request: Request, context: AppContext) async throws -> Response {
        let adminId = try context.requireAdmin()
        let body = try await AdminRequest.decode(AdminRequest.Reason.self, from: request)
        let reason = try AdminRequest.reason(body.reason)
        let clientId = try context.parameters.require("id")
        let now = self.now()
        let result = try await db.transaction { s in
            guard let state = try ClientStateStore.lock(clientId: clientId, in: s) else {
                throw APIError.notFound("no client with id \(clientId)")
            }
            var result = ActionResult(view: nil, transition: nil, alerts: [])
            func audit(_ before: [String: Any], _ after: [String: Any], _ extra: [String: Any] = [:]) throws {
                try AuditLog.record(adminId: adminId, clientId: clientId, action: action.auditAction, reason: reason,
                                    before: before, after: after, extra: extra, in: s)
            }
            func apply(_ decision: BillingDecision) throws {
                let acknowledged = try decision.acknowledgement == nil ? [] : Self.openGateAlertIds(clientId, in: s)
                try ClientStateStore.write(decision, in: s)
                try audit(Self.snapshot(state.billing, state.controls), Self.snapshot(decision.billing, decision.controls),
                          decision.acknowledgement == nil ? [:] : ["acknowledged_alert_ids": acknowledged])
                result.transition = decision.transition
                result.alerts = decision.alerts
            }
            let (billing, controls) = (state.billing, state.controls)
            switch action {
            case .confirmPayment:
                try apply(BillingStateMachine.confirmPayment(billing: billing, controls: controls, adminId: adminId, now: now))
            case .waive:
                try apply(BillingStateMachine.waive(billing: billing, controls: controls, adminId: adminId, now: now))
            case .resetPaymentAlert:
                try apply(BillingStateMachine.resetPaymentAlert(billing: billing, controls: controls, adminId: adminId, now: now))
            case .pauseOutbound, .resumeOutbound:
                let value = action == .pauseOutbound
                try Self.setControl("outbound_paused", to: value, clientId: clientId, in: s)
                try audit(["outbound_paused": controls.outboundPaused], ["outbound_paused": value])
            case .muteAlerts, .unmuteAlerts:
                let value = action == .muteAlerts
                try Self.setControl("ops_alerts_muted", to: value, clientId: clientId, in: s)
                try audit(["ops_alerts_muted": controls.opsAlertsMuted], ["ops_alerts_muted": value])
            case .completeOnboarding:
                let (before, after) = try Self.completeOnboarding(clientId, in: s)
                try audit(before, after)
            }
            result.view = try ClientView.fetch(clientId, in: s)
            return result
        }
        if let t = result.transition { metrics.transition(from: t.from.rawValue, to: t.to.rawValue) }
        for alert in result.alerts { metrics.alertRaised(type: alert.type.rawValue, severity: alert.severity.rawValue) }
        context.logger.info("admin action", metadata: [
            LogKey.adminId: .string(adminId), LogKey.clientId: .string(clientId), LogKey.action: .string(action.rawValue),
        ])
        return JSONResponse.make(status: .ok, object: ClientView.object(result.view))
    }

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
