/// The billing rules applied to a batch of events at once, in memory, with the same result as
/// processing them one at a time against the database (SPEC §5, §9).
///
/// The adapter loads (and locks) every client any event of the batch could resolve to — by
/// customer, by subscription, or by a candidate client id that exists — and hands them to a
/// `ClientBatch`. Events are then applied in the batch's order: each resolves as SPEC §5 says
/// (customer, then subscription, then candidate ids, seeing the links earlier events made), and
/// `BillingStateMachine.decide` runs on the client's state as earlier events left it. The adapter
/// writes the decisions afterwards. This is the only place where events are resolved to clients.
///
/// What the loaded clients cannot answer is reported instead of guessed:
/// - an event that resolves to no loaded client is `.unresolved` (the adapter takes the link
///   locks and loads again, to see links another transaction made meanwhile);
/// - a decision that would link a customer or subscription another client holds is
///   `.conflicted` and not applied (the database's unique constraints would refuse it).
public struct ClientBatch: Sendable {
    /// What applying one event gave.
    public enum Result: Sendable, Hashable {
        /// The event resolved to `clientId` and the state machine decided `decision`.
        case decided(clientId: String, decision: BillingDecision)
        /// No loaded client matches the event's keys.
        case unresolved
        /// The decision for `clientId` would link `stripeId` (a customer or subscription id) that
        /// `holder` already holds; nothing was applied.
        case conflicted(clientId: String, stripeId: String, holder: String)
    }

    /// The clients' current states, by client id.
    public private(set) var clients: [String: ClientState]

    private var byCustomer: [String: String] = [:]
    private var bySubscription: [String: String] = [:]

    /// - Parameter clients: every client the batch's events could resolve to, with its rows.
    public init(clients: [ClientState]) {
        var byId: [String: ClientState] = [:]
        for client in clients {
            byId[client.billing.clientId] = client
            if let customer = client.billing.stripeCustomerId { byCustomer[customer] = client.billing.clientId }
            if let subscription = client.billing.stripeSubscriptionId { bySubscription[subscription] = client.billing.clientId }
        }
        self.clients = byId
    }

    /// The client `keys` resolve to now: customer, then subscription, then the first candidate
    /// id that exists (SPEC §5 order, as `ClientResolutionKeys` documents).
    public func resolve(_ keys: ClientResolutionKeys) -> String? {
        if let customer = keys.customerId, let id = byCustomer[customer] { return id }
        if let subscription = keys.subscriptionId, let id = bySubscription[subscription] { return id }
        return keys.candidateClientIds.first { clients[$0] != nil }
    }

    /// Applies one (decoded, acted-on) event: resolves its client and runs the state machine on
    /// the client's current state, which the decision then replaces.
    public mutating func apply(_ event: BillingEvent, now: Int64, expectedLivemode: Bool?) -> Result {
        guard let clientId = resolve(event.resolutionKeys), let client = clients[clientId] else { return .unresolved }
        let decision = BillingStateMachine.decide(
            billing: client.billing, controls: client.controls, event: event, now: now, expectedLivemode: expectedLivemode)
        if let (stripeId, holder) = conflict(clientId, from: client.billing, to: decision.billing) {
            return .conflicted(clientId: clientId, stripeId: stripeId, holder: holder)
        }
        relink(clientId, from: client.billing, to: decision.billing)
        clients[clientId] = ClientState(billing: decision.billing, controls: decision.controls)
        return .decided(clientId: clientId, decision: decision)
    }

    /// The id a move from `old` to `new` would link although another client holds it.
    private func conflict(_ clientId: String, from old: ClientBilling, to new: ClientBilling) -> (String, String)? {
        if let n = new.stripeCustomerId, n != old.stripeCustomerId, let holder = byCustomer[n], holder != clientId {
            return (n, holder)
        }
        if let n = new.stripeSubscriptionId, n != old.stripeSubscriptionId, let holder = bySubscription[n], holder != clientId {
            return (n, holder)
        }
        return nil
    }

    /// Keeps the lookup maps in step with a client's customer and subscription ids.
    private mutating func relink(_ clientId: String, from old: ClientBilling, to new: ClientBilling) {
        if old.stripeCustomerId != new.stripeCustomerId {
            if let o = old.stripeCustomerId, byCustomer[o] == clientId { byCustomer[o] = nil }
            if let n = new.stripeCustomerId { byCustomer[n] = clientId }
        }
        if old.stripeSubscriptionId != new.stripeSubscriptionId {
            if let o = old.stripeSubscriptionId, bySubscription[o] == clientId { bySubscription[o] = nil }
            if let n = new.stripeSubscriptionId { bySubscription[n] = clientId }
        }
    }
}
