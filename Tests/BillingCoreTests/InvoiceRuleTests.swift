import BillingCore
import Testing

@Suite struct InvoiceRuleTests {
    /// invoice.payment_failed moves ACTIVE and TRIALING to PAST_DUE and nothing else.
    @Test(arguments: [(BillingStatus.active, BillingStatus.pastDue), (.trialing, .pastDue), (.pending, .pending),
                      (.unpaid, .unpaid), (.paused, .paused)])
    func paymentFailed(from: BillingStatus, to: BillingStatus) {
        let decision = decide(Make.billing(from), Make.invoice(.paymentFailed, created: Make.t0 + 1))
        #expect(decision.billing.status == to)
    }

    /// invoice.paid moves PAST_DUE and UNPAID to ACTIVE, keeps TRIALING/ACTIVE/PAUSED.
    @Test(arguments: [(BillingStatus.pastDue, BillingStatus.active), (.unpaid, .active), (.trialing, .trialing),
                      (.active, .active), (.paused, .paused)])
    func paid(from: BillingStatus, to: BillingStatus) {
        let decision = decide(Make.billing(from), Make.invoice(.paid, created: Make.t0 + 1))
        #expect(decision.billing.status == to)
    }

    /// invoice.paid moves PENDING to ACTIVE only when amount_paid > 0 (the $0 trial invoice does not).
    @Test func paidFromPendingNeedsMoney() {
        let zero = decide(Make.billing(.pending, source: .none), Make.invoice(.paid, amountPaid: 0, created: Make.t0 + 1))
        #expect(zero.billing.status == .pending && zero.billing.paymentSource == .none && zero.outcome == .noChange)
        let paid = decide(Make.billing(.pending, source: .none), Make.invoice(.paid, amountPaid: 100, created: Make.t0 + 1))
        #expect(paid.billing.status == .active && paid.billing.paymentSource == .stripe)
    }

    /// invoice.paid never moves CANCELED, even for a live adopted subscription.
    @Test func paidNeverMovesCanceled() {
        var billing = Make.billing(.canceled, stripeStatus: .active)
        billing.stripeSubscriptionStatus = nil
        let decision = decide(billing, Make.invoice(.paid, created: Make.t0 + 1))
        #expect(decision.billing.status == .canceled)
    }

    /// An invoice without a subscription (one-off) changes nothing and does not move the watermark.
    @Test func oneOffInvoiceIsNoChange() {
        let decision = decide(Make.billing(.pastDue), Make.invoice(.paid, sub: nil, created: Make.t0 + 1))
        #expect(decision.outcome == .noChange && decision.billing == Make.billing(.pastDue))
    }

    /// A manual billing reason changes nothing and is not status-bearing.
    @Test func manualBillingReasonIsNoChange() {
        let decision = decide(Make.billing(.pastDue), Make.invoice(.paid, reason: "manual", created: Make.t0 + 1))
        #expect(decision.outcome == .noChange && decision.billing.status == .pastDue)
        #expect(decision.billing.lastEventCreatedAt == Make.t0)
    }

    /// An old invoice paid late cannot ungate a client whose newer invoice failed.
    @Test func olderInvoiceCannotUngate() {
        let failed = decide(Make.billing(.active), Make.invoice(.paymentFailed, invoiceId: "in_new", invoiceCreated: Make.t0 + 100, created: Make.t0 + 101))
        #expect(failed.billing.status == .pastDue && failed.billing.latestInvoiceId == "in_new")
        let lateOld = decide(failed.billing, Make.invoice(.paid, invoiceId: "in_old", invoiceCreated: Make.t0 + 50, created: Make.t0 + 200))
        #expect(lateOld.outcome == .noChange && lateOld.billing.status == .pastDue)
        #expect(lateOld.billing.latestInvoiceId == "in_new" && lateOld.billing.lastEventCreatedAt == Make.t0 + 101)
    }

    /// latest_invoice_* follow every invoice event of the current subscription that is not older, even a stale one.
    @Test func latestInvoiceIsUpdated() {
        var billing = Make.billing(.active)
        billing.latestInvoiceId = "in_a"
        billing.latestInvoiceCreatedAt = Make.t0 - 50
        let stale = decide(billing, Make.invoice(.paid, invoiceId: "in_b", invoiceCreated: Make.t0 - 10, created: Make.t0 - 5))
        #expect(stale.outcome == .stale && stale.billing.latestInvoiceId == "in_b")
        #expect(stale.billing.latestInvoiceCreatedAt == Make.t0 - 10)
    }

    /// A paid invoice that finds the client already ACTIVE is no_change but still moves the watermark.
    @Test func paidOnActiveMovesWatermark() {
        let decision = decide(Make.billing(.active), Make.invoice(.paid, created: Make.t0 + 3, id: "evt_paid"))
        #expect(decision.outcome == .noChange && decision.billing.lastEventId == "evt_paid")
        let oldPastDue = decide(decision.billing, Make.snapshot(.pastDue, created: Make.t0 + 2))
        #expect(oldPastDue.outcome == .stale && oldPastDue.billing.status == .active)
    }

    /// An invoice of the canceled current subscription moves nothing, even for a pinned client.
    @Test func canceledSubscriptionInvoiceIsInert() {
        let billing = Make.billing(.active, stripeStatus: .canceled, source: .manual)
        let decision = decide(billing, Make.invoice(.paid, created: Make.t0 + 1))
        #expect(decision.billing.paymentSource == .manual && decision.outcome == .noChange)
    }
}
