/// A Stripe subscription as an event (or `GET /v1/subscriptions/{id}`) rendered it, in either API shape.
public struct SubscriptionSnapshot: Sendable, Hashable {
    /// `sub_…`.
    public var id: String
    public var customerId: String?
    public var status: StripeSubscriptionStatus
    public var trialStart: Int64?
    public var trialEnd: Int64?
    /// Top-level `current_period_start` before 2025-03-31.basil; from basil on, the earliest
    /// `items.data[].current_period_start` (items can differ under flexible billing).
    public var currentPeriodStart: Int64?
    /// Top-level `current_period_end` before basil; from basil on, the latest `items.data[].current_period_end`.
    public var currentPeriodEnd: Int64?
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Int64?
    /// `pause_collection` is not null.
    public var collectionPaused: Bool
    /// `metadata.client_id`, a resolution candidate.
    public var metadataClientId: String?

    public init(
        id: String, customerId: String?, status: StripeSubscriptionStatus, trialStart: Int64? = nil,
        trialEnd: Int64? = nil, currentPeriodStart: Int64? = nil, currentPeriodEnd: Int64? = nil,
        cancelAtPeriodEnd: Bool = false, canceledAt: Int64? = nil, collectionPaused: Bool = false,
        metadataClientId: String? = nil
    ) {
        self.id = id
        self.customerId = customerId
        self.status = status
        self.trialStart = trialStart
        self.trialEnd = trialEnd
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.collectionPaused = collectionPaused
        self.metadataClientId = metadataClientId
    }
}

/// An invoice event: `invoice.paid`, `invoice.payment_succeeded` or `invoice.payment_failed`.
public struct InvoiceSignal: Sendable, Hashable {
    public enum Signal: Sendable, Hashable {
        /// `invoice.paid` or `invoice.payment_succeeded`.
        case paid
        /// `invoice.payment_failed`.
        case paymentFailed
    }

    public var signal: Signal
    /// `in_…`.
    public var invoiceId: String
    public var customerId: String?
    /// `subscription` (pre-basil, id or expanded) or `parent.subscription_details.subscription` (basil); nil = one-off.
    public var subscriptionId: String?
    /// e.g. `subscription_create`, `subscription_cycle`, `manual`.
    public var billingReason: String?
    /// Cents.
    public var amountPaid: Int64
    /// The invoice's own `created` (orders invoices of one subscription).
    public var invoiceCreated: Int64
    /// `metadata.client_id` of the invoice.
    public var metadataClientId: String?
    /// `client_id` in the subscription's metadata copied onto the invoice.
    public var subscriptionMetadataClientId: String?

    public init(
        signal: Signal, invoiceId: String, customerId: String?, subscriptionId: String?, billingReason: String?,
        amountPaid: Int64, invoiceCreated: Int64, metadataClientId: String? = nil,
        subscriptionMetadataClientId: String? = nil
    ) {
        self.signal = signal
        self.invoiceId = invoiceId
        self.customerId = customerId
        self.subscriptionId = subscriptionId
        self.billingReason = billingReason
        self.amountPaid = amountPaid
        self.invoiceCreated = invoiceCreated
        self.metadataClientId = metadataClientId
        self.subscriptionMetadataClientId = subscriptionMetadataClientId
    }

    /// Billing reasons produced by a subscription (`subscription_create`, `subscription_cycle`,
    /// `subscription_update`, `subscription_threshold`, legacy `subscription`); `manual` and others are one-offs.
    public var isSubscriptionBillingReason: Bool {
        billingReason?.hasPrefix("subscription") == true
    }
}

/// A completed Checkout Session.
public struct CheckoutCompletion: Sendable, Hashable {
    /// `cs_…`.
    public var sessionId: String
    public var customerId: String?
    public var subscriptionId: String?
    public var clientReferenceId: String?
    public var metadataClientId: String?

    public init(
        sessionId: String, customerId: String?, subscriptionId: String?, clientReferenceId: String?,
        metadataClientId: String? = nil
    ) {
        self.sessionId = sessionId
        self.customerId = customerId
        self.subscriptionId = subscriptionId
        self.clientReferenceId = clientReferenceId
        self.metadataClientId = metadataClientId
    }
}
