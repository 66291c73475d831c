extension BillingStateMachine {
    /// An operator's confirm-payment: ACTIVE with `payment_source = MANUAL` (SPEC §5), opening the gate.
    ///
    /// The gate-opening effects (empty list, clear `payment_gate_alerted_at`, acknowledge open gate alerts as
    /// `system`, resolution naming the action) are emitted even when the client was already ACTIVE. The watermark
    /// does not move. Outcome: `applied` or `noChange`.
    /// - Parameters:
    ///   - adminId: the operator, named in the acknowledgement's resolution.
    ///   - now: Unix seconds.
    public static func confirmPayment(
        billing: ClientBilling, controls: ClientControls, adminId: String, now: Int64
    ) -> BillingDecision {
        openGateByOperator(billing: billing, controls: controls, source: .manual, action: .confirmPayment,
                           adminId: adminId, now: now)
    }

    /// An operator's waive: ACTIVE with `payment_source = WAIVED`; otherwise as `confirmPayment`.
    public static func waive(
        billing: ClientBilling, controls: ClientControls, adminId: String, now: Int64
    ) -> BillingDecision {
        openGateByOperator(billing: billing, controls: controls, source: .waived, action: .waive,
                           adminId: adminId, now: now)
    }

    /// An operator's reset-payment-alert: empties `payment_gate_alerted_states` and clears
    /// `payment_gate_alerted_at` (re-arms alerts) without acknowledging anything; the count is kept.
    public static func resetPaymentAlert(
        billing: ClientBilling, controls: ClientControls, adminId: String, now: Int64
    ) -> BillingDecision {
        var draft = DecisionDraft(
            billing: billing, controls: controls, now: now,
            cause: .adminAction(action: .resetPaymentAlert, adminId: adminId))
        draft.controls.paymentGateAlertedStates = []
        draft.controls.paymentGateAlertedAt = nil
        return draft.finish(.evaluated)
    }

    /// `reconcile --apply`: apply a subscription fetched from Stripe's API at `fetchedAt` as if it were a
    /// `customer.subscription.updated` event created at `fetchedAt` (same rules, pins included; the watermark
    /// moves to `fetchedAt` with `last_event_id = "reconcile:<subscription id>"`).
    /// - Parameters:
    ///   - subscription: the fetched subscription (`SubscriptionSnapshot.decode(subscriptionPayload:)`).
    ///   - fetchedAt: Unix seconds when it was fetched.
    ///   - now: Unix seconds.
    public static func reconcile(
        billing: ClientBilling, controls: ClientControls, subscription: SubscriptionSnapshot, fetchedAt: Int64,
        now: Int64
    ) -> BillingDecision {
        var draft = DecisionDraft(
            billing: billing, controls: controls, now: now,
            cause: .reconcile(subscriptionId: subscription.id, fetchedAt: fetchedAt))
        let verdict = draft.applySnapshot(subscription, created: fetchedAt, eventId: "reconcile:\(subscription.id)")
        return draft.finish(verdict)
    }

    private static func openGateByOperator(
        billing: ClientBilling, controls: ClientControls, source: PaymentSource, action: AuditAction, adminId: String,
        now: Int64
    ) -> BillingDecision {
        let cause = GateChangeCause.adminAction(action: action, adminId: adminId)
        var draft = DecisionDraft(billing: billing, controls: controls, now: now, cause: cause)
        draft.billing.paymentSource = source
        draft.changeStatus(to: .active)
        let opened = PaymentGateAlertRule.gateOpened(clientId: billing.clientId, controls: draft.controls, cause: cause)
        draft.controls = opened.controls
        draft.acknowledgement = opened.acknowledgement
        return draft.finish(.evaluated)
    }
}
