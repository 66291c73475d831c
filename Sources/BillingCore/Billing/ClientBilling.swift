/// A client's billing row (`client_billing`, SPEC §3) as the state machine sees it.
///
/// Timestamps are Unix seconds; the database adapter converts them with `to_timestamp` / `extract(epoch …)`.
/// A new value (`ClientBilling(clientId:)`) is the row the worker creates for a client it meets first: PENDING/NONE.
public struct ClientBilling: Sendable, Hashable {
    public var clientId: String
    public var status: BillingStatus
    public var paymentSource: PaymentSource
    public var stripeCustomerId: String?
    /// The client's *current* subscription (SPEC §5).
    public var stripeSubscriptionId: String?
    public var trialStartedAt: Int64?
    public var trialEndsAt: Int64?
    public var currentPeriodStart: Int64?
    public var currentPeriodEnd: Int64?
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Int64?
    /// Stripe's `pause_collection` is set: nothing is collected, the subscription stays `active`.
    public var collectionPaused: Bool
    /// The current subscription's own Stripe status from its newest evaluated snapshot (`nil` until one is seen).
    public var stripeSubscriptionStatus: StripeSubscriptionStatus?
    public var latestInvoiceId: String?
    public var latestInvoiceCreatedAt: Int64?
    public var statusChangedAt: Int64?
    /// Watermark: `created` of the newest status-bearing event of the current subscription that was evaluated.
    public var lastEventCreatedAt: Int64?
    /// Watermark: id of that event (ties in the same second go to the greater id).
    public var lastEventId: String?
    /// Subscriptions ever seen `canceled`/`incomplete_expired` (column `canceled_subscription_ids text[]`).
    public var canceledSubscriptionIds: Set<String>

    /// - Parameters:
    ///   - clientId: `clients.id`.
    ///   - Every other parameter defaults to the value of a new client (PENDING, NONE, nothing linked).
    public init(
        clientId: String,
        status: BillingStatus = .pending,
        paymentSource: PaymentSource = .none,
        stripeCustomerId: String? = nil,
        stripeSubscriptionId: String? = nil,
        trialStartedAt: Int64? = nil,
        trialEndsAt: Int64? = nil,
        currentPeriodStart: Int64? = nil,
        currentPeriodEnd: Int64? = nil,
        cancelAtPeriodEnd: Bool = false,
        canceledAt: Int64? = nil,
        collectionPaused: Bool = false,
        stripeSubscriptionStatus: StripeSubscriptionStatus? = nil,
        latestInvoiceId: String? = nil,
        latestInvoiceCreatedAt: Int64? = nil,
        statusChangedAt: Int64? = nil,
        lastEventCreatedAt: Int64? = nil,
        lastEventId: String? = nil,
        canceledSubscriptionIds: Set<String> = []
    ) {
        self.clientId = clientId
        self.status = status
        self.paymentSource = paymentSource
        self.stripeCustomerId = stripeCustomerId
        self.stripeSubscriptionId = stripeSubscriptionId
        self.trialStartedAt = trialStartedAt
        self.trialEndsAt = trialEndsAt
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.collectionPaused = collectionPaused
        self.stripeSubscriptionStatus = stripeSubscriptionStatus
        self.latestInvoiceId = latestInvoiceId
        self.latestInvoiceCreatedAt = latestInvoiceCreatedAt
        self.statusChangedAt = statusChangedAt
        self.lastEventCreatedAt = lastEventCreatedAt
        self.lastEventId = lastEventId
        self.canceledSubscriptionIds = canceledSubscriptionIds
    }

    /// The subscription was seen canceled at least once: it never becomes live or current again.
    public func isKnownCanceled(_ subscriptionId: String) -> Bool {
        canceledSubscriptionIds.contains(subscriptionId)
            || (subscriptionId == stripeSubscriptionId && stripeSubscriptionStatus?.isCanceled == true)
    }

    /// There is a current subscription and it is not canceled: events of other subscriptions are `superseded`.
    public var hasLiveCurrentSubscription: Bool {
        guard let current = stripeSubscriptionId else { return false }
        return !isKnownCanceled(current)
    }

    /// The fields whose change makes an outcome `applied` (status, source, links, dates, flags); bookkeeping
    /// (watermark, latest invoice, `status_changed_at`) is left out.
    var materialFields: MaterialFields {
        MaterialFields(
            status: status, paymentSource: paymentSource, stripeCustomerId: stripeCustomerId,
            stripeSubscriptionId: stripeSubscriptionId, trialStartedAt: trialStartedAt, trialEndsAt: trialEndsAt,
            currentPeriodStart: currentPeriodStart, currentPeriodEnd: currentPeriodEnd,
            cancelAtPeriodEnd: cancelAtPeriodEnd, canceledAt: canceledAt, collectionPaused: collectionPaused,
            stripeSubscriptionStatus: stripeSubscriptionStatus, canceledSubscriptionIds: canceledSubscriptionIds)
    }

    struct MaterialFields: Hashable {
        var status: BillingStatus
        var paymentSource: PaymentSource
        var stripeCustomerId: String?
        var stripeSubscriptionId: String?
        var trialStartedAt: Int64?
        var trialEndsAt: Int64?
        var currentPeriodStart: Int64?
        var currentPeriodEnd: Int64?
        var cancelAtPeriodEnd: Bool
        var canceledAt: Int64?
        var collectionPaused: Bool
        var stripeSubscriptionStatus: StripeSubscriptionStatus?
        var canceledSubscriptionIds: Set<String>
    }
}
