import BillingCore
import Testing

@Suite struct CurrentSubscriptionRuleTests {
    /// A client without a subscription adopts the first one it sees and signals it for re-queueing.
    @Test func firstSubscriptionIsAdopted() {
        let decision = decide(ClientBilling(clientId: Make.client), Make.snapshot(.trialing, created: Make.t0))
        #expect(decision.billing.stripeSubscriptionId == "sub_A" && decision.billing.status == .trialing)
        #expect(decision.subscriptionBecameCurrent == "sub_A" && decision.requeuesSupersededEvents)
        #expect(decision.linkedCustomerId == Make.customer && decision.billing.paymentSource == .stripe)
    }

    /// While the current subscription is live, another subscription's events change nothing (superseded).
    @Test func otherSubscriptionIsSupersededWhileCurrentIsLive() {
        let billing = Make.billing(.active)
        for event in [Make.snapshot(.pastDue, sub: "sub_B", created: Make.t0 + 9),
                      Make.invoice(.paymentFailed, sub: "sub_B", created: Make.t0 + 9)] {
            let decision = decide(billing, event)
            #expect(decision.outcome == .superseded && decision.billing == billing && !decision.requeuesSupersededEvents)
        }
    }

    /// A returning client (current subscription canceled) adopts a new subscription; the watermark resets with it.
    @Test func returningClientAdoptsNewSubscription() {
        let canceled = Make.billing(.canceled, watermark: Make.t0 + 100)
        let decision = decide(canceled, Make.snapshot(.active, sub: "sub_B", created: Make.t0 + 50, periodEnd: 9))
        #expect(decision.outcome == .applied && decision.billing.status == .active)
        #expect(decision.billing.stripeSubscriptionId == "sub_B" && decision.subscriptionBecameCurrent == "sub_B")
        #expect(decision.billing.lastEventCreatedAt == Make.t0 + 50 && decision.billing.currentPeriodEnd == 9)
    }

    /// A plan switch by cancel-and-recreate: the old subscription's deletion lets the new one become current.
    @Test func planSwitchByCancelAndRecreate() {
        let deleted = decide(Make.billing(.active), Make.snapshot(.canceled, created: Make.t0 + 10))
        #expect(deleted.currentSubscriptionEnded == "sub_A" && deleted.requeuesSupersededEvents)
        let created = decide(deleted.billing, Make.snapshot(.active, sub: "sub_B", created: Make.t0 + 10),
                             controls: deleted.controls)
        #expect(created.billing.stripeSubscriptionId == "sub_B" && created.billing.status == .active)
        #expect(created.billing.canceledSubscriptionIds == ["sub_A"] && created.acknowledgement != nil)
    }

    /// A canceled subscription never becomes live or current again: its later snapshots are superseded.
    @Test func canceledSubscriptionNeverRevives() {
        var billing = Make.billing(.active, sub: "sub_B")
        billing.canceledSubscriptionIds = ["sub_A"]
        #expect(decide(billing, Make.snapshot(.active, sub: "sub_A", created: Make.t0 + 5)).outcome == .superseded)
        billing.stripeSubscriptionStatus = .canceled  // sub_B canceled too: still no revival of sub_A
        billing.status = .canceled
        let decision = decide(billing, Make.snapshot(.active, sub: "sub_A", created: Make.t0 + 5))
        #expect(decision.outcome == .superseded && decision.billing.stripeSubscriptionId == "sub_B")
    }

    /// A newer non-canceled snapshot of the canceled current subscription changes nothing (stale).
    @Test func canceledCurrentSubscriptionIgnoresLiveSnapshot() {
        let billing = Make.billing(.canceled)
        let decision = decide(billing, Make.snapshot(.active, created: Make.t0 + 60))
        #expect(decision.outcome == .stale && decision.billing == billing)
    }

    /// A canceled snapshot of a superseded subscription is remembered, so a later checkout cannot link it.
    @Test func supersededCancellationIsRemembered() {
        let superseded = decide(Make.billing(.active), Make.snapshot(.incompleteExpired, sub: "sub_B", created: Make.t0 + 1))
        #expect(superseded.outcome == .superseded && superseded.billing.canceledSubscriptionIds == ["sub_B"])
        let checkout = decide(superseded.billing, Make.checkout(sub: "sub_B", created: Make.t0 + 2))
        #expect(checkout.outcome == .superseded && checkout.billing.stripeSubscriptionId == "sub_A")
    }

    /// A checkout links its subscription even while another is live (plan switch through Checkout).
    @Test func checkoutLinksSubscriptionOverLiveOne() {
        let decision = decide(Make.billing(.active), Make.checkout(sub: "sub_B", created: Make.t0 + 1))
        #expect(decision.billing.stripeSubscriptionId == "sub_B" && decision.subscriptionBecameCurrent == "sub_B")
        #expect(decision.billing.lastEventCreatedAt == nil && decision.outcome == .applied)
        #expect(decision.billing.status == .active)
    }

    /// A checkout older than the watermark links no subscription (stale) but still links the customer.
    @Test func olderCheckoutLinksOnlyCustomer() {
        let billing = Make.billing(.active, customer: nil)
        let decision = decide(billing, Make.checkout(sub: "sub_B", created: Make.t0 - 1))
        #expect(decision.outcome == .stale && decision.billing.stripeSubscriptionId == "sub_A")
        #expect(decision.billing.stripeCustomerId == Make.customer && decision.linkedCustomerId == Make.customer)
    }

    /// A checkout links customer and subscription of a new client and sets payment_source STRIPE only from NONE.
    @Test func checkoutLinksNewClientAndSetsStripeSource() {
        let decision = decide(ClientBilling(clientId: Make.client), Make.checkout(created: Make.t0))
        #expect(decision.billing.stripeCustomerId == Make.customer && decision.billing.stripeSubscriptionId == "sub_A")
        #expect(decision.billing.paymentSource == .stripe && decision.billing.status == .pending)
        #expect(decision.linkedCustomerId == Make.customer && decision.subscriptionBecameCurrent == "sub_A")
        let manual = decide(Make.billing(.active, source: .manual), Make.checkout(created: Make.t0 + 1))
        #expect(manual.billing.paymentSource == .manual && manual.outcome == .noChange)
    }

    /// After confirm-payment the subscription's own canceled status still lets another subscription become current.
    @Test func canceledUnderManualPinLetsNextSubscriptionIn() {
        let confirmed = BillingStateMachine.confirmPayment(
            billing: Make.billing(.pastDue), controls: ClientControls(), adminId: "ops", now: Make.now)
        let deleted = decide(confirmed.billing, Make.snapshot(.canceled, created: Make.t0 + 5))
        #expect(deleted.outcome == .pinned && deleted.billing.status == .active)
        #expect(deleted.currentSubscriptionEnded == "sub_A")
        let next = decide(deleted.billing, Make.snapshot(.active, sub: "sub_B", created: Make.t0 + 6))
        #expect(next.billing.stripeSubscriptionId == "sub_B" && next.billing.paymentSource == .stripe)
    }

    /// An invoice of a new subscription is adopted when there is no current one; a manual invoice is not.
    @Test func invoiceAdoptsOnlyWithSubscriptionReason() {
        let adopted = decide(ClientBilling(clientId: Make.client), Make.invoice(.paid, sub: "sub_B", created: Make.t0))
        #expect(adopted.billing.stripeSubscriptionId == "sub_B" && adopted.billing.status == .active)
        let manual = decide(ClientBilling(clientId: Make.client), Make.invoice(.paid, sub: "sub_B", reason: "manual", created: Make.t0))
        #expect(manual.billing.stripeSubscriptionId == nil && manual.billing.status == .pending)
    }
}
