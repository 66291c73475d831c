import BillingCore
import Testing

/// SPEC §5 in the delivery orders Stripe really produces (issue 14): one test per rule, named after it.
@Suite struct DeliveryOrderRuleTests {
    static let t10 = Make.t0 + 10, t20 = Make.t0 + 20, t21 = Make.t0 + 21

    /// Case 1. A canceled subscription stays current until another one becomes current, so its invoices still go
    /// through the invoice guards and are evaluated: the client stays CANCELED, both are `no_change`, and the
    /// watermark names the newest of them.
    @Test func invoicesOfTheCanceledCurrentSubscriptionAreEvaluated() {
        let deleted = decide(Make.billing(.active), Make.snapshot(.canceled, created: Self.t10, id: "evt_deleted",
                                                                   type: "customer.subscription.deleted"))
        #expect(deleted.billing.status == .canceled && deleted.billing.lastEventId == "evt_deleted")
        let paid = decide(deleted.billing, Make.invoice(.paid, invoiceId: "in_20", created: Self.t20, id: "evt_paid"))
        #expect(paid.outcome == .noChange && paid.billing.status == .canceled)
        #expect(paid.billing.lastEventCreatedAt == Self.t20 && paid.billing.lastEventId == "evt_paid")
        let failed = decide(paid.billing, Make.invoice(.paymentFailed, invoiceId: "in_21", created: Self.t21, id: "evt_failed"))
        #expect(failed.outcome == .noChange && failed.billing.status == .canceled)
        #expect(failed.billing.lastEventCreatedAt == Self.t21 && failed.billing.lastEventId == "evt_failed")
        #expect(failed.billing.latestInvoiceId == "in_21" && failed.billing.paymentSource == .stripe)
    }

    /// Case 1, pinned. A WAIVED client whose subscription turned `incomplete_expired` (a pinned snapshot) then
    /// receives `invoice.payment_failed`: it would move ACTIVE → PAST_DUE, so it is `pinned` and moves the watermark.
    @Test func invoiceOfTheCanceledCurrentSubscriptionIsPinnedForAWaivedClient() {
        let waived = Make.billing(.active, stripeStatus: .active, source: .waived)
        let expired = decide(waived, Make.snapshot(.incompleteExpired, created: Self.t10, id: "evt_s1"))
        #expect(expired.outcome == .pinned && expired.billing.status == .active)
        let failed = decide(expired.billing, Make.invoice(.paymentFailed, created: Self.t20, id: "evt_s2"))
        #expect(failed.outcome == .pinned && failed.billing.status == .active && failed.billing.paymentSource == .waived)
        #expect(failed.billing.lastEventCreatedAt == Self.t20 && failed.billing.lastEventId == "evt_s2")
    }

    /// Case 1, settled in SPEC §5: an invoice of a subscription known canceled never sets `payment_source = STRIPE`
    /// and never moves the client to ACTIVE; a pinned client stays pinned (`pinned` when the invoice would otherwise
    /// move it, else `no_change`).
    @Test func invoiceOfACanceledSubscriptionNeverActivatesNorSetsStripe() {
        // A PAST_DUE client whose subscription's cancellation arrived stale: known canceled, status unchanged.
        let pastDue = decide(Make.billing(.pastDue, watermark: Self.t20), Make.snapshot(.canceled, created: Self.t10))
        #expect(pastDue.outcome == .stale && pastDue.billing.isKnownCanceled("sub_A"))
        let paid = decide(pastDue.billing, Make.invoice(.paid, created: Self.t21))
        #expect(paid.outcome == .noChange && paid.billing.status == .pastDue)

        let pending = Make.billing(.pending, stripeStatus: .incompleteExpired, source: .none)
        let paidPending = decide(pending, Make.invoice(.paid, amountPaid: 4_900, created: Self.t20))
        #expect(paidPending.billing.status == .pending && paidPending.billing.paymentSource == .none)

        let pinned = Make.billing(.pastDue, stripeStatus: .canceled, source: .manual)
        let paidPinned = decide(pinned, Make.invoice(.paid, created: Self.t20))
        #expect(paidPinned.outcome == .pinned && paidPinned.billing.paymentSource == .manual)
        #expect(paidPinned.billing.status == .pastDue)
        let pinnedActive = decide(Make.billing(.active, stripeStatus: .canceled, source: .waived), Make.invoice(.paid, created: Self.t20))
        #expect(pinnedActive.outcome == .noChange && pinnedActive.billing.paymentSource == .waived)
    }

    /// Case 2. Outcomes are decided in SPEC order: an invoice event created before the watermark is `stale`, even
    /// when the older-invoice guard would also make it change nothing.
    @Test func invoiceOlderThanTheWatermarkIsStaleBeforeTheInvoiceGuards() {
        let paid = decide(Make.billing(.active), Make.invoice(.paid, invoiceId: "in_20", created: Self.t20))
        #expect(paid.billing.lastEventCreatedAt == Self.t20)
        let lateFailure = decide(paid.billing, Make.invoice(.paymentFailed, invoiceId: "in_10", created: Self.t10))
        #expect(lateFailure.outcome == .stale && lateFailure.billing.status == .active)
        #expect(lateFailure.billing.latestInvoiceId == "in_20" && lateFailure.billing.lastEventCreatedAt == Self.t20)
        let lateManual = decide(paid.billing, Make.invoice(.paid, invoiceId: "in_m", reason: "manual", created: Self.t10))
        #expect(lateManual.outcome == .stale)
    }

    /// Case 3. A stale `checkout.session.completed` still links: customer, the subscription when the client has
    /// none, and `payment_source = STRIPE` when it is NONE.
    @Test func staleCheckoutStillLinksAndSetsTheStripeSource() {
        var billing = ClientBilling(clientId: Make.client)
        for event in [Make.snapshot(.incomplete, created: Make.t0 + 1, type: "customer.subscription.created"),
                      Make.snapshot(.incomplete, created: Make.t0 + 3)] {
            billing = decide(billing, event).billing
        }
        #expect(billing.paymentSource == .none && billing.lastEventCreatedAt == Make.t0 + 3)
        let checkout = decide(billing, Make.checkout(created: Make.t0 + 2))
        #expect(checkout.outcome == .stale && checkout.billing.paymentSource == .stripe)
        #expect(checkout.billing.stripeSubscriptionId == "sub_A" && checkout.billing.status == .pending)

        let unlinked = ClientBilling(clientId: Make.client, lastEventCreatedAt: Make.t0 + 3)
        let linking = decide(unlinked, Make.checkout(created: Make.t0 + 2))
        #expect(linking.outcome == .stale && linking.billing.stripeCustomerId == Make.customer)
        #expect(linking.billing.stripeSubscriptionId == "sub_A" && linking.billing.paymentSource == .stripe)
    }

    /// Case 3, the limit: a stale checkout of *another* subscription does not make that subscription current.
    @Test func staleCheckoutOfAnotherSubscriptionDoesNotMakeItCurrent() {
        let billing = Make.billing(.pending, stripeStatus: .incomplete, source: .none, watermark: Self.t20)
        let checkout = decide(billing, Make.checkout(sub: "sub_B", created: Self.t10))
        #expect(checkout.outcome == .stale && checkout.billing.stripeSubscriptionId == "sub_A")
        #expect(checkout.subscriptionBecameCurrent == nil && checkout.billing.lastEventCreatedAt == Self.t20)
    }

    /// Case 4. When another subscription becomes current, the previous one's dates, flags, `canceled_at`,
    /// `stripe_subscription_status` and latest invoice are cleared with the watermark, until the new one's
    /// snapshots copy its own.
    @Test func aNewCurrentSubscriptionStartsClean() {
        var old = Make.billing(.canceled, stripeStatus: .canceled, watermark: Self.t20)
        old.trialStartedAt = Make.t0 - 100
        old.trialEndsAt = Make.t0 - 50
        old.currentPeriodStart = Make.t0
        old.currentPeriodEnd = Make.t0 + 2_592_000
        old.cancelAtPeriodEnd = true
        old.canceledAt = Self.t20
        old.collectionPaused = true
        old.latestInvoiceId = "in_old"
        old.latestInvoiceCreatedAt = Self.t10
        old.canceledSubscriptionIds = ["sub_A"]

        let checkout = decide(old, Make.checkout(sub: "sub_B", created: Self.t21))
        let clean = checkout.billing
        #expect(checkout.subscriptionBecameCurrent == "sub_B" && clean.stripeSubscriptionId == "sub_B")
        #expect(clean.trialStartedAt == nil && clean.trialEndsAt == nil)
        #expect(clean.currentPeriodStart == nil && clean.currentPeriodEnd == nil)
        #expect(!clean.cancelAtPeriodEnd && clean.canceledAt == nil && !clean.collectionPaused)
        #expect(clean.stripeSubscriptionStatus == nil && clean.latestInvoiceId == nil && clean.latestInvoiceCreatedAt == nil)
        #expect(clean.lastEventCreatedAt == nil && clean.lastEventId == nil)
        #expect(clean.status == .canceled && clean.canceledSubscriptionIds == ["sub_A"])

        let created = decide(clean, Make.snapshot(.incomplete, sub: "sub_B", created: Self.t21 + 1, periodStart: Self.t21,
                                                  periodEnd: Self.t21 + 86_400, type: "customer.subscription.created"))
        #expect(created.billing.stripeSubscriptionStatus == .incomplete && created.billing.currentPeriodStart == Self.t21)
        #expect(created.billing.trialStartedAt == nil && created.billing.canceledAt == nil)

        // The same through a snapshot of the new subscription adopted after the old one's cancellation.
        let adopted = decide(old, Make.snapshot(.active, sub: "sub_C", created: Self.t10)).billing
        #expect(adopted.stripeSubscriptionId == "sub_C" && adopted.trialStartedAt == nil && !adopted.cancelAtPeriodEnd)
        #expect(adopted.latestInvoiceId == nil && adopted.canceledAt == nil && adopted.lastEventCreatedAt == Self.t10)
    }
}
