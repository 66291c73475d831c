/// The keys that name an event's client (SPEC §5, client resolution). Pure: the adapter does the lookups.
///
/// The adapter tries, in this order, and stops at the first hit:
/// 1. `client_billing.stripe_customer_id = customerId`;
/// 2. `client_billing.stripe_subscription_id = subscriptionId`;
/// 3. each of `candidateClientIds`, in order, that exists in `clients` (a client id absent from `clients`
///    resolves nothing; the worker then creates the missing `client_billing`/`client_controls`/`onboarding_states`).
///
/// No hit: the event is stored `unmatched` (no outcome) and waits until a later event links its customer
/// (`BillingDecision.linkedCustomerId`). Ignored events (`kind == .ignored`) are not resolved at all.
public struct ClientResolutionKeys: Sendable, Hashable {
    public var customerId: String?
    public var subscriptionId: String?
    /// `client_reference_id`, the object's `metadata.client_id`, then the invoice's subscription metadata
    /// `client_id`; duplicates removed, order kept.
    public var candidateClientIds: [String]

    public init(customerId: String?, subscriptionId: String?, candidateClientIds: [String]) {
        self.customerId = customerId
        self.subscriptionId = subscriptionId
        self.candidateClientIds = candidateClientIds
    }

    /// True when there is nothing to look up.
    public var isEmpty: Bool { customerId == nil && subscriptionId == nil && candidateClientIds.isEmpty }
}

extension BillingEvent {
    /// The keys to resolve this event's client with; empty for ignored kinds.
    public var resolutionKeys: ClientResolutionKeys {
        let candidates: [String?]
        switch kind {
        case .subscription(let snapshot): candidates = [snapshot.metadataClientId]
        case .invoice(let invoice): candidates = [invoice.metadataClientId, invoice.subscriptionMetadataClientId]
        case .checkoutCompleted(let checkout): candidates = [checkout.clientReferenceId, checkout.metadataClientId]
        case .ignored: return ClientResolutionKeys(customerId: nil, subscriptionId: nil, candidateClientIds: [])
        }
        var unique: [String] = []
        for case let candidate? in candidates where !candidate.isEmpty && !unique.contains(candidate) {
            unique.append(candidate)
        }
        return ClientResolutionKeys(customerId: customerId, subscriptionId: subscriptionId, candidateClientIds: unique)
    }
}
