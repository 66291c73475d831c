import BillingCore
import Testing

@Suite struct SubscriptionSnapshotRuleTests {
    static let mapping: [(StripeSubscriptionStatus, BillingStatus)] = [
        (.incomplete, .pending), (.trialing, .trialing), (.active, .active), (.pastDue, .pastDue),
        (.unpaid, .unpaid), (.paused, .paused), (.canceled, .canceled), (.incompleteExpired, .canceled),
    ]

    /// Every Stripe subscription status maps to its client status, incomplete_expired to CANCELED.
    @Test(arguments: mapping) func statusMapping(stripe: StripeSubscriptionStatus, expected: BillingStatus) {
        let decision = decide(ClientBilling(clientId: Make.client), Make.snapshot(stripe, created: Make.t0))
        #expect(decision.billing.status == expected)
        #expect(decision.billing.stripeSubscriptionStatus == stripe)
        #expect(stripe.billingStatus == expected)
    }

    /// Trial and period dates are copied as Stripe has them, nulls included.
    @Test func datesAreCopiedIncludingNull() {
        var billing = Make.billing(.trialing)
        billing.trialStartedAt = 1
        billing.trialEndsAt = 2
        let decision = decide(billing, Make.snapshot(.active, created: Make.t0 + 1, periodStart: 100, periodEnd: 200))
        #expect(decision.billing.trialStartedAt == nil && decision.billing.trialEndsAt == nil)
        #expect(decision.billing.currentPeriodStart == 100 && decision.billing.currentPeriodEnd == 200)
    }

    /// cancel_at_period_end and canceled_at are copied; the status stays what Stripe says.
    @Test func cancelFlagsAreCopied() {
        let decision = decide(
            Make.billing(.active), Make.snapshot(.active, created: Make.t0 + 1, cancelAtPeriodEnd: true, canceledAt: 77))
        #expect(decision.billing.cancelAtPeriodEnd && decision.billing.canceledAt == 77)
        #expect(decision.billing.status == .active && decision.outcome == .applied)
    }

    /// pause_collection is kept as collection_paused and the client stays ACTIVE (gate open).
    @Test func pauseCollectionKeepsActive() {
        let decision = decide(Make.billing(.active), Make.snapshot(.active, created: Make.t0 + 1, collectionPaused: true))
        #expect(decision.billing.collectionPaused && decision.billing.status == .active)
        #expect(decision.alerts.isEmpty && decision.outcome == .applied)
    }

    /// An event created before the watermark is stale and changes no status or date.
    @Test func olderEventIsStale() {
        let decision = decide(Make.billing(.active), Make.snapshot(.pastDue, created: Make.t0 - 1, periodEnd: 5))
        #expect(decision.outcome == .stale)
        #expect(decision.billing == Make.billing(.active) && decision.alerts.isEmpty)
    }

    /// A stale event still links the customer when the client has none.
    @Test func staleEventStillLinksCustomer() {
        let billing = Make.billing(.active, customer: nil)
        let decision = decide(billing, Make.snapshot(.pastDue, created: Make.t0 - 1))
        #expect(decision.outcome == .stale && decision.billing.stripeCustomerId == Make.customer)
        #expect(decision.linkedCustomerId == Make.customer && decision.billing.status == .active)
    }

    /// In the watermark's second a move to a strictly higher rank applies.
    @Test func sameSecondMoveUpApplies() {
        let decision = decide(Make.billing(.pending), Make.snapshot(.trialing, created: Make.t0))
        #expect(decision.outcome == .applied && decision.billing.status == .trialing)
    }

    /// In the watermark's second a move to an equal or lower rank is stale (a late `created` cannot undo a paid invoice).
    @Test(arguments: [
        (BillingStatus.active, StripeSubscriptionStatus.incomplete), (.pastDue, .active), (.pastDue, .paused),
        (.canceled, .unpaid),
    ]) func sameSecondMoveDownIsStale(current: BillingStatus, incoming: StripeSubscriptionStatus) {
        let decision = decide(Make.billing(current), Make.snapshot(incoming, created: Make.t0))
        #expect(decision.outcome == .stale && decision.billing.status == current)
    }

    /// In the watermark's second an event with the same status is evaluated: dates copied, no status change.
    @Test func sameSecondEqualStatusCopiesDates() {
        let same = decide(Make.billing(.active), Make.snapshot(.active, created: Make.t0))
        #expect(same.outcome == .noChange)
        let dated = decide(Make.billing(.active), Make.snapshot(.active, created: Make.t0, periodEnd: 9))
        #expect(dated.billing.currentPeriodEnd == 9 && dated.transition == nil)
    }

    /// The watermark moves to applied, no_change and pinned events, never backwards, ties to the greater id.
    @Test func watermarkMovesOnEvaluatedEvents() {
        let applied = decide(Make.billing(.active), Make.snapshot(.pastDue, created: Make.t0 + 5, id: "evt_b"))
        #expect(applied.billing.lastEventCreatedAt == Make.t0 + 5 && applied.billing.lastEventId == "evt_b")
        let noChange = decide(applied.billing, Make.snapshot(.pastDue, created: Make.t0 + 6, id: "evt_c"))
        #expect(noChange.outcome == .noChange && noChange.billing.lastEventId == "evt_c")
        let tieLower = decide(noChange.billing, Make.snapshot(.pastDue, created: Make.t0 + 6, id: "evt_a"))
        #expect(tieLower.billing.lastEventId == "evt_c")
        let stale = decide(noChange.billing, Make.snapshot(.active, created: Make.t0, id: "evt_z"))
        #expect(stale.billing.lastEventId == "evt_c" && stale.billing.lastEventCreatedAt == Make.t0 + 6)
    }

    /// status_changed_at is set to now on a status change and only then.
    @Test func statusChangedAtIsStamped() {
        let changed = decide(Make.billing(.active), Make.snapshot(.pastDue, created: Make.t0 + 1), now: 42)
        #expect(changed.billing.statusChangedAt == 42)
        #expect(changed.transition == StatusTransition(from: .active, to: .pastDue))
        let unchanged = decide(changed.billing, Make.snapshot(.pastDue, created: Make.t0 + 2), now: 43)
        #expect(unchanged.billing.statusChangedAt == 42 && unchanged.transition == nil)
    }

    /// With an expected livemode, events of the other mode are ignored; without one, both modes are processed.
    @Test func otherLivemodeIsIgnored() {
        let live = Make.snapshot(.pastDue, created: Make.t0 + 1, livemode: true)
        let ignored = decide(Make.billing(.active), live, livemode: false)
        #expect(ignored.outcome == .ignored && ignored.billing == Make.billing(.active))
        #expect(decide(Make.billing(.active), live, livemode: true).outcome == .applied)
        #expect(decide(Make.billing(.active), live).outcome == .applied)
    }

    /// Outcomes are decided in the order ignored, superseded, stale, pinned.
    @Test func outcomeOrder() {
        let otherModeOtherSub = Make.snapshot(.pastDue, sub: "sub_B", created: Make.t0 - 1, livemode: true)
        #expect(decide(Make.billing(.active), otherModeOtherSub, livemode: false).outcome == .ignored)
        let olderOtherSub = Make.snapshot(.pastDue, sub: "sub_B", created: Make.t0 - 1)
        #expect(decide(Make.billing(.active), olderOtherSub).outcome == .superseded)
        let olderOnPinned = Make.snapshot(.pastDue, created: Make.t0 - 1)
        #expect(decide(Make.billing(.active, source: .manual), olderOnPinned).outcome == .stale)
        let ignoredType = BillingEvent(id: "evt_i", type: "charge.succeeded", created: Make.t0, livemode: false, kind: .ignored)
        #expect(decide(Make.billing(.active), ignoredType).outcome == .ignored)
    }
}
