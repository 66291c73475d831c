import BillingCore
import Testing

@Suite struct OperatorActionTests {
    private let closedControls = ClientControls(
        paymentGateAlertedAt: 400, paymentGateAlertedStates: [.pastDue], paymentGateAlertCount: 1)

    /// confirm-payment sets ACTIVE/MANUAL, opens the gate naming the action, and leaves the watermark alone.
    @Test func confirmPaymentOpensGate() {
        let billing = Make.billing(.pastDue)
        let decision = BillingStateMachine.confirmPayment(billing: billing, controls: closedControls, adminId: "ops_ann", now: 900)
        #expect(decision.billing.status == .active && decision.billing.paymentSource == .manual)
        #expect(decision.billing.lastEventCreatedAt == billing.lastEventCreatedAt && decision.billing.lastEventId == billing.lastEventId)
        #expect(decision.controls.paymentGateAlertedStates.isEmpty && decision.controls.paymentGateAlertedAt == nil)
        #expect(decision.acknowledgement?.resolution.contains("confirm-payment") == true)
        #expect(decision.transition == StatusTransition(from: .pastDue, to: .active) && decision.outcome == .applied)
        #expect(decision.billing.statusChangedAt == 900 && decision.controls.paymentGateAlertCount == 1)
    }

    /// waive sets ACTIVE/WAIVED with the same gate-opening effects.
    @Test func waiveOpensGate() {
        let decision = BillingStateMachine.waive(billing: Make.billing(.canceled), controls: closedControls, adminId: "ops", now: 900)
        #expect(decision.billing.status == .active && decision.billing.paymentSource == .waived)
        #expect(decision.acknowledgement?.resolution.contains("waive") == true)
    }

    /// reset-payment-alert re-arms the episode without acknowledging anything or resetting the count.
    @Test func resetPaymentAlertRearms() {
        let decision = BillingStateMachine.resetPaymentAlert(billing: Make.billing(.pastDue), controls: closedControls, adminId: "ops", now: 900)
        #expect(decision.controls.paymentGateAlertedStates.isEmpty && decision.controls.paymentGateAlertedAt == nil)
        #expect(decision.acknowledgement == nil && decision.controls.paymentGateAlertCount == 1)
        #expect(decision.billing == Make.billing(.pastDue))
        let again = decide(decision.billing, Make.snapshot(.unpaid, created: Make.t0 + 1), controls: decision.controls)
        let pastDueAgain = BillingStateMachine.resetPaymentAlert(billing: again.billing, controls: again.controls, adminId: "ops", now: 901)
        #expect(again.alerts.count == 1 && pastDueAgain.controls.paymentGateAlertCount == 2)
    }

    /// reconcile applies a fetched subscription as an event created at fetch time: the watermark moves there.
    @Test func reconcileMovesWatermark() {
        let snapshot = SubscriptionSnapshot(id: "sub_A", customerId: Make.customer, status: .pastDue, currentPeriodEnd: 77)
        let decision = BillingStateMachine.reconcile(
            billing: Make.billing(.active), controls: ClientControls(), subscription: snapshot, fetchedAt: Make.t0 + 500, now: 901)
        #expect(decision.billing.status == .pastDue && decision.billing.lastEventCreatedAt == Make.t0 + 500)
        #expect(decision.billing.lastEventId == "reconcile:sub_A" && decision.alerts.first?.metadata["reconcile_subscription_id"] == "sub_A")
        let stale = BillingStateMachine.reconcile(
            billing: Make.billing(.active), controls: ClientControls(), subscription: snapshot, fetchedAt: Make.t0 - 1, now: 901)
        #expect(stale.outcome == .stale)
        let pinned = BillingStateMachine.reconcile(
            billing: Make.billing(.active, source: .manual), controls: ClientControls(), subscription: snapshot, fetchedAt: Make.t0 + 1, now: 901)
        #expect(pinned.outcome == .pinned)
    }
}
