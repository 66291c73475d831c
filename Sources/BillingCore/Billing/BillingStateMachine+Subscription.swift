extension DecisionDraft {
    /// A subscription snapshot (`customer.subscription.*`, or reconcile's fetched subscription).
    ///
    /// - Another subscription's snapshot is `superseded` while the current one is live, and always when that
    ///   subscription was seen canceled before; otherwise (no current, or current canceled) it becomes current.
    /// - A canceled snapshot is remembered in `canceled_subscription_ids` whatever the outcome.
    /// - A non-canceled snapshot of a current subscription already seen canceled is `stale`: Stripe's canceled is
    ///   terminal, so such a snapshot describes an earlier moment.
    /// - Otherwise the snapshot is status-bearing: mapped status, dates and flags copied as Stripe has them.
    mutating func applySnapshot(_ snapshot: SubscriptionSnapshot, created: Int64, eventId: String) -> Verdict {
        linkCustomer(snapshot.customerId)
        let wasKnownCanceled = billing.isKnownCanceled(snapshot.id)
        if snapshot.status.isCanceled { recordCanceled(snapshot.id) }
        if billing.stripeSubscriptionId != snapshot.id {
            if wasKnownCanceled || billing.hasLiveCurrentSubscription { return .superseded }
            adoptSubscription(snapshot.id)
        } else if wasKnownCanceled && !snapshot.status.isCanceled {
            return .stale
        }
        let verdict = evaluateStatusBearing(
            target: snapshot.status.billingStatus, returnsSourceToStripe: snapshot.status.returnsSourceToStripe,
            created: created, eventId: eventId)
        switch verdict {
        case .evaluated:
            billing.stripeSubscriptionStatus = snapshot.status
            copyFields(of: snapshot)
        case .pinned:
            // The client's status is pinned, but the subscription's own status is recorded so that a canceled
            // subscription lets another one become current (SPEC §5: "whatever the client's status").
            billing.stripeSubscriptionStatus = snapshot.status
        case .stale, .superseded, .ignored:
            break
        }
        return verdict
    }

    /// Copy dates and flags as Stripe has them, nulls included.
    private mutating func copyFields(of snapshot: SubscriptionSnapshot) {
        billing.trialStartedAt = snapshot.trialStart
        billing.trialEndsAt = snapshot.trialEnd
        billing.currentPeriodStart = snapshot.currentPeriodStart
        billing.currentPeriodEnd = snapshot.currentPeriodEnd
        billing.cancelAtPeriodEnd = snapshot.cancelAtPeriodEnd
        billing.canceledAt = snapshot.canceledAt
        billing.collectionPaused = snapshot.collectionPaused
    }
}
