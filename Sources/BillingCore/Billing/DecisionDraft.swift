/// The mutable working copy a decision is built in; `finish` turns it into a `BillingDecision`.
struct DecisionDraft {
    /// How the rules classified the input; `finish` maps `.evaluated` to `applied` or `noChange`.
    enum Verdict {
        case ignored, superseded, stale, pinned, evaluated
    }

    let before: ClientBilling
    let controlsBefore: ClientControls
    let now: Int64
    let cause: GateChangeCause
    var billing: ClientBilling
    var controls: ClientControls
    var alerts: [AlertToAppend] = []
    var acknowledgement: GateAlertAcknowledgement?
    var transition: StatusTransition?
    var subscriptionBecameCurrent: String?

    init(billing: ClientBilling, controls: ClientControls, now: Int64, cause: GateChangeCause) {
        before = billing
        controlsBefore = controls
        self.billing = billing
        self.controls = controls
        self.now = now
        self.cause = cause
    }

    /// Link the customer when the client has none (SPEC §5: resolving through a client id links it).
    mutating func linkCustomer(_ customerId: String?) {
        if billing.stripeCustomerId == nil, let customerId { billing.stripeCustomerId = customerId }
    }

    /// Remember a subscription seen canceled, whatever the outcome: it never becomes live or current again.
    mutating func recordCanceled(_ subscriptionId: String) {
        billing.canceledSubscriptionIds.insert(subscriptionId)
    }

    /// Make `subscriptionId` the current subscription. Everything that described the previous one (its Stripe
    /// status, dates, flags, newest invoice) and the watermark are reset; the client's status is kept until an
    /// event of the new subscription maps one.
    mutating func adoptSubscription(_ subscriptionId: String) {
        billing.stripeSubscriptionId = subscriptionId
        billing.stripeSubscriptionStatus = nil
        billing.trialStartedAt = nil
        billing.trialEndsAt = nil
        billing.currentPeriodStart = nil
        billing.currentPeriodEnd = nil
        billing.cancelAtPeriodEnd = false
        billing.canceledAt = nil
        billing.collectionPaused = false
        billing.latestInvoiceId = nil
        billing.latestInvoiceCreatedAt = nil
        billing.lastEventCreatedAt = nil
        billing.lastEventId = nil
        subscriptionBecameCurrent = subscriptionId
    }

    /// Where an event created at `created` stands against the watermark.
    func watermarkPosition(of created: Int64) -> WatermarkPosition {
        guard let mark = billing.lastEventCreatedAt else { return .newer }
        if created < mark { return .older }
        return created == mark ? .sameSecond : .newer
    }

    enum WatermarkPosition { case older, sameSecond, newer }

    /// A status-bearing event was evaluated: the watermark moves to it if it is newer (`created`, then id).
    mutating func moveWatermark(created: Int64, eventId: String) {
        if let mark = billing.lastEventCreatedAt {
            guard created > mark || (created == mark && eventId > (billing.lastEventId ?? "")) else { return }
        }
        billing.lastEventCreatedAt = created
        billing.lastEventId = eventId
    }

    /// Change the status, stamp `status_changed_at` and apply the payment-gate alert rule.
    mutating func changeStatus(to status: BillingStatus) {
        let from = billing.status
        guard from != status else { return }
        billing.status = status
        billing.statusChangedAt = now
        transition = StatusTransition(from: transition?.from ?? from, to: status)
        let effect = PaymentGateAlertRule.statusChanged(
            clientId: billing.clientId, from: from, to: status, controls: controls, now: now, cause: cause)
        controls = effect.controls
        if let alert = effect.alert { alerts.append(alert) }
        if let acknowledgement = effect.acknowledgement { self.acknowledgement = acknowledgement }
    }

    /// Build the decision. The re-queue signals are derived from `before` and the final row.
    func finish(_ verdict: Verdict) -> BillingDecision {
        let outcome: BillingOutcome
        switch verdict {
        case .ignored: outcome = .ignored
        case .superseded: outcome = .superseded
        case .stale: outcome = .stale
        case .pinned: outcome = .pinned
        case .evaluated:
            outcome = billing.materialFields == before.materialFields && controls == controlsBefore
                ? .noChange : .applied
        }
        var ended: String?
        if let current = billing.stripeSubscriptionId, billing.isKnownCanceled(current) {
            let wasCanceledAndCurrent = before.stripeSubscriptionId == current && before.isKnownCanceled(current)
            if !wasCanceledAndCurrent { ended = current }
        }
        let linked = before.stripeCustomerId == nil ? billing.stripeCustomerId : nil
        return BillingDecision(
            outcome: outcome, billing: billing, controls: controls, alerts: alerts, acknowledgement: acknowledgement,
            transition: transition.flatMap { $0.from == $0.to ? nil : $0 },
            subscriptionBecameCurrent: subscriptionBecameCurrent, currentSubscriptionEnded: ended,
            linkedCustomerId: linked, statusChange: StatusChange(from: before, to: billing, cause: cause),
            billingChanged: billing != before, controlsChanged: controls != controlsBefore)
    }
}
