import BillingCore
import BillingPostgres
import Foundation
import Logging

/// Every admin mutation of SPEC §7, as one function per action that both the JSON API and the
/// operator console call, so that a change made from either writes the same audit row.
///
/// Each takes the authenticated admin, the target and the operator's `reason` (validated here:
/// required, non-blank), runs in one transaction with its audit row, and answers the row to
/// show afterwards as JSON text. Failures are `APIError`s (400, 404, 409, 503); each caller
/// renders them its own way.
struct AdminActions: Sendable {
    let db: AdminDatabase
    let metrics: BillingMetrics
    let replayer: EventReplayer
    let now: @Sendable () -> Int64

    /// What a client action did, carried out of its transaction for the answer and the metrics.
    struct ClientResult: Sendable {
        var view: String?
        /// The billing decision, for the actions that go through the state machine.
        var decision: BillingDecision?
    }

    /// Runs a client action (`confirm-payment`, `waive`, …) and answers the client view as JSON
    /// text. Billing effects go through the core state machine (the same rules as Stripe events,
    /// alerts included); the others set one flag or the onboarding state.
    func perform(_ action: ClientAction, clientId: String, adminId: String, reason rawReason: String?, logger: Logger) async throws -> String? {
        let reason = try AdminRequest.reason(rawReason)
        let now = self.now()
        let result = try await db.transaction { s in
            guard let state = try ClientStateStore.lock(clientId: clientId, in: s) else {
                throw APIError.notFound("no client with id \(clientId)")
            }
            var result = ClientResult(view: nil, decision: nil)
            func audit(_ before: [String: Any], _ after: [String: Any], _ extra: [String: Any] = [:]) throws {
                try AuditLog.record(adminId: adminId, clientId: clientId, action: action.auditAction, reason: reason,
                                    before: before, after: after, extra: extra, in: s)
            }
            func apply(_ decision: BillingDecision) throws {
                let acknowledged = try decision.acknowledgement == nil ? [] : AlertLogStore.openGateAlertIds(clientId: clientId, in: s)
                try ClientStateStore.write(decision, in: s)
                try audit(AuditLog.billingFields(state.billing, state.controls),
                          AuditLog.billingFields(decision.billing, decision.controls),
                          decision.acknowledgement == nil ? [:] : ["acknowledged_alert_ids": acknowledged])
                result.decision = decision
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
                try ClientActionStore.set(.outboundPaused, to: value, clientId: clientId, in: s)
                try audit(["outbound_paused": controls.outboundPaused], ["outbound_paused": value])
            case .muteAlerts, .unmuteAlerts:
                let value = action == .muteAlerts
                try ClientActionStore.set(.opsAlertsMuted, to: value, clientId: clientId, in: s)
                try audit(["ops_alerts_muted": controls.opsAlertsMuted], ["ops_alerts_muted": value])
            case .completeOnboarding:
                let (before, after) = try ClientActionStore.completeOnboarding(clientId: clientId, in: s)
                try audit(AuditLog.onboardingFields(before), AuditLog.onboardingFields(after))
            }
            result.view = try ClientViewStore.view(clientId: clientId, in: s)
            return result
        }
        if let decision = result.decision { metrics.record(decision: decision) }
        logger.info("admin action", metadata: [
            LogKey.adminId: .string(adminId), LogKey.clientId: .string(clientId), LogKey.action: .string(action.rawValue),
        ])
        return result.view
    }
}

extension AdminActions {
    /// The actions of the application `parts`: its pool, metrics, event handler and clock.
    init(_ parts: BillingApplicationParts) {
        self.init(db: AdminDatabase(pool: parts.pool), metrics: parts.metrics,
                  replayer: EventReplayer(handler: parts.handler, now: parts.now), now: parts.now)
    }
}
