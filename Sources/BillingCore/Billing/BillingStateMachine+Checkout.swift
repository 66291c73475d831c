extension DecisionDraft {
    /// `checkout.session.completed`: not status-bearing; links the customer (when the client has none) and the
    /// subscription, and sets `payment_source = STRIPE` when it is NONE.
    ///
    /// - A checkout of a subscription seen canceled that is not the current one is `superseded`: it links only
    ///   the customer.
    /// - Otherwise the session's subscription becomes current — even while another one is live (plan switch) —
    ///   unless the checkout is older than the watermark.
    /// - An older checkout is `stale`, yet linking still happens (SPEC §5): the customer, the subscription when
    ///   the client has none, and the payment source when it is NONE. It does not make another subscription
    ///   current.
    mutating func applyCheckout(_ checkout: CheckoutCompletion, created: Int64) -> Verdict {
        linkCustomer(checkout.customerId)
        let isOlder = watermarkPosition(of: created) == .older
        if let subscriptionId = checkout.subscriptionId, subscriptionId != billing.stripeSubscriptionId {
            if billing.isKnownCanceled(subscriptionId) { return .superseded }
            if !isOlder || billing.stripeSubscriptionId == nil { adoptSubscription(subscriptionId) }
        }
        if billing.paymentSource == .none { billing.paymentSource = .stripe }
        return isOlder ? .stale : .evaluated
    }
}
