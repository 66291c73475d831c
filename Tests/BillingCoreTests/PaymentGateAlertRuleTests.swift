import BillingCore
import Testing

@Suite struct PaymentGateAlertRuleTests {
    private func move(
        _ from: BillingStatus, _ to: BillingStatus, controls: ClientControls = ClientControls()
    ) -> PaymentGateAlertRule.Effect {
        PaymentGateAlertRule.statusChanged(
            clientId: Make.client, from: from, to: to, controls: controls, now: 500,
            cause: .stripeEvent(id: "evt_9", type: "invoice.paid"))
    }

    /// The gate is open in TRIALING/ACTIVE, closed in PAST_DUE/UNPAID/PAUSED/CANCELED, pending in PENDING.
    @Test func gateOfEachStatus() {
        #expect(BillingStatus.allCases.map(\.paymentGate) == [.pending, .open, .open, .closed, .closed, .closed, .closed])
    }

    /// Entering a closed state appends a PAYMENT_GATE alert with its severity and records it in the episode.
    @Test(arguments: [(BillingStatus.pastDue, AlertSeverity.warning), (.paused, .warning), (.unpaid, .critical),
                      (.canceled, .info)])
    func closedStateAlerts(to: BillingStatus, severity: AlertSeverity) {
        let effect = move(.active, to)
        #expect(effect.alert?.severity == severity && effect.alert?.type == .paymentGate)
        #expect(effect.alert?.key == "payment_gate:clt_1" && effect.alert?.clientId == Make.client)
        #expect(effect.alert?.metadata["stripe_event_id"] == "evt_9")
        #expect(effect.controls.paymentGateAlertedStates == [to] && effect.controls.paymentGateAlertedAt == 500)
        #expect(effect.controls.paymentGateAlertCount == 1)
    }

    /// PAST_DUE → UNPAID and PAST_DUE → CANCELED alert again within an episode; a state already alerted does not.
    @Test func eachClosedStateOncePerEpisode() {
        let pastDue = move(.active, .pastDue)
        let unpaid = move(.pastDue, .unpaid, controls: pastDue.controls)
        #expect(unpaid.alert?.severity == .critical && unpaid.controls.paymentGateAlertCount == 2)
        let backToPastDue = move(.unpaid, .pastDue, controls: unpaid.controls)
        #expect(backToPastDue.alert == nil && backToPastDue.controls == unpaid.controls)
    }

    /// An abandoned signup (PENDING → CANCELED) never alerts; a client first seen mid-life (PENDING → PAST_DUE) does.
    @Test func pendingTransitions() {
        #expect(move(.pending, .canceled).alert == nil)
        #expect(move(.pending, .canceled).controls == ClientControls())
        #expect(move(.pending, .pastDue).alert?.severity == .warning)
    }

    /// CANCELED → PENDING does not end the episode: its alerted states are kept.
    @Test func canceledToPendingKeepsEpisode() {
        let canceled = move(.pastDue, .canceled, controls: ClientControls(paymentGateAlertedStates: [.pastDue]))
        let pending = move(.canceled, .pending, controls: canceled.controls)
        #expect(pending.controls.paymentGateAlertedStates == [.pastDue, .canceled] && pending.acknowledgement == nil)
        #expect(move(.pending, .pastDue, controls: pending.controls).alert == nil)
    }

    /// While muted nothing is raised or recorded; after unmuting the next closed state alerts as usual.
    @Test func muteSuppressesWithoutRecording() {
        let muted = move(.active, .pastDue, controls: ClientControls(opsAlertsMuted: true))
        #expect(muted.alert == nil && muted.controls == ClientControls(opsAlertsMuted: true))
        var unmuted = muted.controls
        unmuted.opsAlertsMuted = false
        #expect(move(.pastDue, .unpaid, controls: unmuted).alert != nil)
    }

    /// Reopening empties the list, clears alerted_at, acknowledges as system naming the event, keeps the count.
    @Test(arguments: [BillingStatus.active, .trialing]) func reopeningEndsEpisode(to: BillingStatus) {
        let closed = ClientControls(paymentGateAlertedAt: 400, paymentGateAlertedStates: [.pastDue, .unpaid], paymentGateAlertCount: 2)
        let effect = move(.unpaid, to, controls: closed)
        #expect(effect.controls.paymentGateAlertedStates.isEmpty && effect.controls.paymentGateAlertedAt == nil)
        #expect(effect.controls.paymentGateAlertCount == 2 && effect.acknowledgement?.acknowledgedBy == "system")
        #expect(effect.acknowledgement?.resolution.contains("evt_9") == true)
    }

    /// A Stripe event that closes the gate carries the alert in its decision; one that reopens it acknowledges.
    @Test func decisionsCarryGateEffects() {
        let closed = decide(Make.billing(.active), Make.invoice(.paymentFailed, created: Make.t0 + 1, id: "evt_f"))
        #expect(closed.alerts.count == 1 && closed.controls.paymentGateAlertedStates == [.pastDue])
        let reopened = decide(closed.billing, Make.invoice(.paid, created: Make.t0 + 2, id: "evt_ok"), controls: closed.controls)
        #expect(reopened.acknowledgement?.resolution.contains("evt_ok") == true && reopened.alerts.isEmpty)
        #expect(reopened.controls.paymentGateAlertCount == 1)
    }
}
