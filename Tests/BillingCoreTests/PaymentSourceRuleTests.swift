import BillingCore
import Testing

@Suite struct PaymentSourceRuleTests {
    /// While MANUAL or WAIVED, an event that would move the status is pinned; the watermark still moves.
    @Test(arguments: [PaymentSource.manual, .waived]) func pinnedSourceHoldsStatus(source: PaymentSource) {
        let billing = Make.billing(.active, source: source)
        let snapshot = decide(billing, Make.snapshot(.pastDue, created: Make.t0 + 1, id: "evt_p", periodEnd: 5))
        #expect(snapshot.outcome == .pinned && snapshot.billing.status == .active)
        #expect(snapshot.billing.currentPeriodEnd == nil && snapshot.billing.lastEventId == "evt_p")
        #expect(snapshot.alerts.isEmpty && snapshot.billing.paymentSource == source)
        let invoice = decide(billing, Make.invoice(.paymentFailed, created: Make.t0 + 1))
        #expect(invoice.outcome == .pinned && invoice.billing.status == .active)
    }

    /// A non-stale trialing or active snapshot hands a MANUAL/WAIVED client back to STRIPE with the mapped status.
    @Test(arguments: [(StripeSubscriptionStatus.active, BillingStatus.active), (.trialing, .trialing)])
    func liveSnapshotReturnsToStripe(status: StripeSubscriptionStatus, expected: BillingStatus) {
        let decision = decide(Make.billing(.active, source: .waived), Make.snapshot(status, created: Make.t0 + 1))
        #expect(decision.billing.paymentSource == .stripe && decision.billing.status == expected)
        #expect(decision.outcome == .applied)
    }

    /// A stale active snapshot does not unpin.
    @Test func staleSnapshotDoesNotUnpin() {
        let decision = decide(Make.billing(.active, source: .manual), Make.snapshot(.active, created: Make.t0 - 1))
        #expect(decision.billing.paymentSource == .manual && decision.outcome == .stale)
    }

    /// A paid invoice with amount_paid > 0 that passes the guards sets STRIPE; a $0 one sets no source.
    @Test func paidInvoiceReturnsToStripe() {
        let paid = decide(Make.billing(.active, source: .manual), Make.invoice(.paid, created: Make.t0 + 1))
        #expect(paid.billing.paymentSource == .stripe && paid.outcome == .applied)
        let zero = decide(Make.billing(.active, source: .manual), Make.invoice(.paid, amountPaid: 0, created: Make.t0 + 1))
        #expect(zero.billing.paymentSource == .manual && zero.outcome == .noChange)
    }

    /// A snapshot with trialing status sets STRIPE on a client that had no source.
    @Test func firstLiveSnapshotSetsStripe() {
        let decision = decide(ClientBilling(clientId: Make.client), Make.snapshot(.trialing, created: Make.t0))
        #expect(decision.billing.paymentSource == .stripe)
        let incomplete = decide(ClientBilling(clientId: Make.client), Make.snapshot(.incomplete, created: Make.t0))
        #expect(incomplete.billing.paymentSource == .none)
    }
}
