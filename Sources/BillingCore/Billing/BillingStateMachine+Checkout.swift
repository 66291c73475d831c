extension DecisionDraft {
    /// `checkout.session.completed`: not status-bearing; links the customer (when the client has none) and the
    /// subscription, and sets `payment_source = STRIPE` when it is NONE.
    ///
    /// The session's subscription becomes current — even while another one is live (plan switch) — unless it was
    /// seen canceled (`superseded`) or the checkout is older than the watermark (`stale`; the customer is still
    /// linked).
    mutating func applyCheckout(_ checkout: CheckoutCompletion, created: Int64) -> Verdict {
        linkCustomer(checkout.customerId)
        let isOlder = watermarkPosition(of: created) == .older
        if let subscriptionId = checkout.subscriptionId, subscriptionId != billing.stripeSubscriptionId {
            if billing.isKnownCanceled(subscriptionId) { return .superseded }
            if !isOlder { adoptSubscription(subscriptionId) }
        }
        if isOlder { return .stale }
        switch billing.paymentSource {
        case .none: billing.paymentSource = .stripe
        case .stripe, .manual, .waived: break
        }
        return .evaluated
    }
}
