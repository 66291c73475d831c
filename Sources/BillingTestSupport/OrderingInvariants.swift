import BillingCore

/// Issue 14's ordering invariants for one client, recomputed from the events it processed — their types, their
/// subscriptions and the invoice guards — in processing order, independently of the state machine's own fields:
///
/// - (a) no status-bearing event of the current subscription created before that subscription's watermark (at the
///   moment it was processed) comes out `applied`, `no_change` or `pinned`: it is `stale`. A subscription that has
///   just become current is measured against its own, reset watermark;
/// - (b) after every step the watermark (`last_event_created_at`, `last_event_id`) names the newest status-bearing
///   event of the current subscription that was evaluated (`applied`, `no_change` or `pinned`);
/// - (c) every `checkout.session.completed` of the current subscription leaves `payment_source` ≠ NONE.
///
/// Outcome labels are used only where the rules leave no other trace: `superseded` (the event did not touch the
/// current subscription) and whether an event was evaluated at all.
public struct OrderingInvariants: Sendable {
    public let clientId: String
    /// The current subscription as the events make it.
    public private(set) var current: String?
    /// `(created, event id)` of the newest evaluated status-bearing event of `current`.
    public private(set) var watermark: (created: Int64, id: String)?
    /// The newest invoice `created` seen for `current` (the older-invoice guard).
    private var latestInvoiceCreated: Int64?
    /// Subscriptions with a processed, not superseded, checkout.
    private var checkedOut: Set<String> = []
    /// Broken promises so far, each naming the event.
    public private(set) var violations: [String] = []

    public init(clientId: String) {
        self.clientId = clientId
    }

    /// Folds one processed event (in processing order) with the outcome it got; checks (a).
    public mutating func record(_ event: BillingEvent, outcome: BillingOutcome) {
        guard outcome != .ignored else { return }
        let statusBearing: Bool
        switch event.kind {
        case .ignored:
            return
        case .subscription(let snapshot):
            guard adoptUnlessSuperseded(snapshot.id, outcome: outcome) else { return }
            statusBearing = true
        case .invoice(let invoice):
            guard let subscription = invoice.subscriptionId else { return }
            if subscription != current && (outcome == .superseded || !invoice.isSubscriptionBillingReason) { return }
            _ = adoptUnlessSuperseded(subscription, outcome: outcome)
            let older = latestInvoiceCreated.map { invoice.invoiceCreated < $0 } ?? false
            if invoice.isSubscriptionBillingReason && !older { latestInvoiceCreated = invoice.invoiceCreated }
            statusBearing = invoice.isSubscriptionBillingReason && !older
        case .checkoutCompleted(let checkout):
            guard outcome != .superseded, let subscription = checkout.subscriptionId else { return }
            if subscription != current && (outcome != .stale || current == nil) { adopt(subscription) }
            checkedOut.insert(subscription)
            return
        }
        guard statusBearing else { return }
        let evaluated = outcome == .applied || outcome == .noChange || outcome == .pinned
        if let mark = watermark, event.created < mark.created, evaluated {
            violations.append("\(clientId): \(event.id) (created \(event.created)) came out \(outcome.rawValue) "
                + "although the watermark was \(mark.id) at \(mark.created)")
        }
        if evaluated, watermark.map({ (event.created, event.id) > ($0.created, $0.id) }) ?? true {
            watermark = (event.created, event.id)
        }
    }

    /// Checks (b) and (c) against the client's row after a step; returns what is broken (also kept).
    @discardableResult
    public mutating func check(_ billing: ClientBilling, at step: String) -> [String] {
        var found: [String] = []
        if billing.stripeSubscriptionId != current {
            found.append("\(clientId) after \(step): current subscription \(billing.stripeSubscriptionId ?? "nil"), "
                + "the events make it \(current ?? "nil")")
        }
        let row = billing.lastEventCreatedAt.map { ($0, billing.lastEventId ?? "") }
        if row?.0 != watermark?.created || row?.1 != watermark?.id {
            found.append("\(clientId) after \(step): watermark \(billing.lastEventId ?? "nil")@\(billing.lastEventCreatedAt.map(String.init) ?? "nil"), "
                + "newest evaluated status-bearing event \(watermark?.id ?? "nil")@\(watermark.map { String($0.created) } ?? "nil")")
        }
        if let current, checkedOut.contains(current), billing.paymentSource == .none {
            found.append("\(clientId) after \(step): a checkout of \(current) was processed but payment_source is NONE")
        }
        violations += found
        return found
    }

    /// A snapshot or invoice of `subscription` that was not superseded touched it; another one becomes current.
    private mutating func adoptUnlessSuperseded(_ subscription: String, outcome: BillingOutcome) -> Bool {
        if subscription == current { return true }
        guard outcome != .superseded else { return false }
        adopt(subscription)
        return true
    }

    private mutating func adopt(_ subscription: String) {
        current = subscription
        watermark = nil
        latestInvoiceCreated = nil
    }
}
