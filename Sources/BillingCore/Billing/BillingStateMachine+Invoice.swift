extension DecisionDraft {
    /// An invoice event: an early signal, acting only when it passes every guard (SPEC §5).
    ///
    /// 1. No subscription (one-off) → `no_change`.
    /// 2. Another subscription: `superseded` while the current one is live or when that subscription was seen
    ///    canceled; with no current (or a canceled current) subscription it becomes current — but only for a
    ///    subscription billing reason.
    /// 3. From here the invoice is of the current subscription — canceled or not, it stays current until another
    ///    one becomes current. Created before the watermark → `stale` (outcome order: `stale` comes before
    ///    `no_change`), though a subscription invoice that is not older than the recorded one still becomes the
    ///    latest invoice.
    /// 4. `billing_reason` not a subscription one (`manual`, …) → `no_change`.
    /// 5. The invoice is older (its own `created`) than `latest_invoice_created_at` → `no_change` (an old invoice
    ///    paid late must not ungate a client whose newer invoice failed). Otherwise it becomes the latest invoice.
    /// 6. Status-bearing from here: `payment_failed` moves ACTIVE/TRIALING → PAST_DUE; `paid`/`payment_succeeded`
    ///    moves PAST_DUE/UNPAID → ACTIVE and PENDING → ACTIVE when `amount_paid` > 0, never CANCELED; a paid
    ///    invoice with `amount_paid` > 0 sets `payment_source = STRIPE`. An invoice of a subscription known
    ///    canceled does neither: it never moves the client to ACTIVE nor sets STRIPE (a pinned client stays
    ///    pinned).
    mutating func applyInvoice(_ invoice: InvoiceSignal, created: Int64, eventId: String) -> Verdict {
        linkCustomer(invoice.customerId)
        guard let subscriptionId = invoice.subscriptionId else { return .evaluated }
        if billing.stripeSubscriptionId != subscriptionId {
            if billing.isKnownCanceled(subscriptionId) || billing.hasLiveCurrentSubscription { return .superseded }
            guard invoice.isSubscriptionBillingReason else { return .evaluated }
            adoptSubscription(subscriptionId)
        }
        let isOlderInvoice = billing.latestInvoiceCreatedAt.map { invoice.invoiceCreated < $0 } ?? false
        if invoice.isSubscriptionBillingReason && !isOlderInvoice {
            billing.latestInvoiceId = invoice.invoiceId
            billing.latestInvoiceCreatedAt = invoice.invoiceCreated
        }
        if watermarkPosition(of: created) == .older { return .stale }
        guard invoice.isSubscriptionBillingReason, !isOlderInvoice else { return .evaluated }

        let subscriptionCanceled = billing.isKnownCanceled(subscriptionId)
        var target = Self.target(of: invoice.signal, amountPaid: invoice.amountPaid, from: billing.status)
        if subscriptionCanceled && target == .active && !billing.paymentSource.isPinned {
            target = billing.status
        }
        let paidWithMoney: Bool
        switch invoice.signal {
        case .paid: paidWithMoney = invoice.amountPaid > 0 && !subscriptionCanceled
        case .paymentFailed: paidWithMoney = false
        }
        return evaluateStatusBearing(
            target: target, returnsSourceToStripe: paidWithMoney, created: created, eventId: eventId)
    }

    /// The status an invoice signal moves a client to from `status` (itself when it does not move it).
    static func target(of signal: InvoiceSignal.Signal, amountPaid: Int64, from status: BillingStatus)
        -> BillingStatus
    {
        switch (signal, status) {
        case (.paymentFailed, .active), (.paymentFailed, .trialing):
            return .pastDue
        case (.paymentFailed, .pending), (.paymentFailed, .pastDue), (.paymentFailed, .unpaid),
             (.paymentFailed, .paused), (.paymentFailed, .canceled):
            return status
        case (.paid, .pastDue), (.paid, .unpaid):
            return .active
        case (.paid, .pending):
            return amountPaid > 0 ? .active : .pending
        case (.paid, .trialing), (.paid, .active), (.paid, .paused), (.paid, .canceled):
            return status
        }
    }
}
