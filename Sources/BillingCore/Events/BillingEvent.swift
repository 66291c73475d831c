/// A stored Stripe event, decoded into what the billing state machine needs.
///
/// `id`, `type`, `created` and `livemode` are decoded for every event; `kind` carries the object only for the
/// types the machine acts on (SPEC §5) and is `.ignored` for all others.
public struct BillingEvent: Sendable, Hashable {
    /// `evt_…`.
    public var id: String
    /// Stripe's type string, e.g. `invoice.paid`.
    public var type: String
    /// Unix seconds (1 s resolution).
    public var created: Int64
    public var livemode: Bool
    public var kind: Kind

    /// The part of the event the machine acts on.
    public enum Kind: Sendable, Hashable {
        /// `customer.subscription.created|updated|deleted|paused|resumed`: an authoritative snapshot.
        case subscription(SubscriptionSnapshot)
        /// `invoice.paid`, `invoice.payment_succeeded`, `invoice.payment_failed`: an early signal.
        case invoice(InvoiceSignal)
        /// `checkout.session.completed`: links customer and subscription.
        case checkoutCompleted(CheckoutCompletion)
        /// Any other type: stored and marked `ignored`; resolves and links nothing.
        case ignored
    }

    public init(id: String, type: String, created: Int64, livemode: Bool, kind: Kind) {
        self.id = id
        self.type = type
        self.created = created
        self.livemode = livemode
        self.kind = kind
    }

    /// The subscription the event is about, if any (the snapshot, the invoice's or the checkout's subscription).
    public var subscriptionId: String? {
        switch kind {
        case .subscription(let snapshot): snapshot.id
        case .invoice(let invoice): invoice.subscriptionId
        case .checkoutCompleted(let checkout): checkout.subscriptionId
        case .ignored: nil
        }
    }

    /// The Stripe customer the event is about, if any.
    public var customerId: String? {
        switch kind {
        case .subscription(let snapshot): snapshot.customerId
        case .invoice(let invoice): invoice.customerId
        case .checkoutCompleted(let checkout): checkout.customerId
        case .ignored: nil
        }
    }
}

/// The Stripe event types the machine acts on. Raw values are Stripe's type strings.
public enum ActedOnEventType: String, CaseIterable, Sendable, Hashable {
    case subscriptionCreated = "customer.subscription.created"
    case subscriptionUpdated = "customer.subscription.updated"
    case subscriptionDeleted = "customer.subscription.deleted"
    case subscriptionPaused = "customer.subscription.paused"
    case subscriptionResumed = "customer.subscription.resumed"
    case invoicePaid = "invoice.paid"
    case invoicePaymentSucceeded = "invoice.payment_succeeded"
    case invoicePaymentFailed = "invoice.payment_failed"
    case checkoutSessionCompleted = "checkout.session.completed"
}
