/// The seven-state billing state machine and payment-gate rules (SPEC §5 and §6), as pure functions:
/// `(billing, controls, input, now) → BillingDecision`. No I/O; the adapter runs the decision in one transaction.
///
/// The adapter must hold the client's `client_billing` row lock (`FOR UPDATE`) from reading `billing` until the
/// decision is written, so two events of one client are never decided on the same row.
public enum BillingStateMachine {
    /// Decide what a Stripe event does to its (already resolved) client.
    ///
    /// - Parameters:
    ///   - billing: the client's `client_billing` row (a new client's defaults if the row did not exist).
    ///   - controls: the client's `client_controls` row (defaults if it did not exist).
    ///   - event: the decoded event.
    ///   - now: the processing time in Unix seconds (`status_changed_at`, `payment_gate_alerted_at`).
    ///   - expectedLivemode: `STRIPE_LIVEMODE` when set; events of the other mode are `ignored`.
    public static func decide(
        billing: ClientBilling, controls: ClientControls, event: BillingEvent, now: Int64,
        expectedLivemode: Bool? = nil
    ) -> BillingDecision {
        var draft = DecisionDraft(
            billing: billing, controls: controls, now: now, cause: .stripeEvent(id: event.id, type: event.type))
        if let expectedLivemode, event.livemode != expectedLivemode { return draft.finish(.ignored) }
        let verdict: DecisionDraft.Verdict
        switch event.kind {
        case .ignored:
            verdict = .ignored
        case .subscription(let snapshot):
            verdict = draft.applySnapshot(snapshot, created: event.created, eventId: event.id)
        case .invoice(let invoice):
            verdict = draft.applyInvoice(invoice, created: event.created, eventId: event.id)
        case .checkoutCompleted(let checkout):
            verdict = draft.applyCheckout(checkout, created: event.created)
        }
        return draft.finish(verdict)
    }
}

extension DecisionDraft {
    /// The common tail of every status-bearing event of the current subscription: the watermark checks (older →
    /// stale; same second → only a strictly higher rank may change the status), then the watermark moves, then
    /// the pin (MANUAL/WAIVED) unless the event hands the client back to Stripe, then the status change.
    ///
    /// - Returns: `.stale`, `.pinned` or `.evaluated`; on `.evaluated` the caller copies the event's fields.
    mutating func evaluateStatusBearing(
        target: BillingStatus, returnsSourceToStripe: Bool, created: Int64, eventId: String
    ) -> Verdict {
        let current = billing.status
        switch watermarkPosition(of: created) {
        case .older:
            return .stale
        case .sameSecond:
            if target != current && target.sameSecondRank <= current.sameSecondRank { return .stale }
        case .newer:
            break
        }
        moveWatermark(created: created, eventId: eventId)
        if returnsSourceToStripe {
            billing.paymentSource = .stripe
        } else if billing.paymentSource.isPinned && target != current {
            return .pinned
        }
        changeStatus(to: target)
        return .evaluated
    }
}
