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
/// and, so that a wrong label cannot hide a wrong decision:
/// - (d) an event of another subscription is `superseded` exactly when the current one is live (not seen
///   canceled) or that subscription was seen canceled; a checkout only in the second case;
/// - (e) a status-bearing event of the current subscription created after its watermark is never `stale`
///   (except a snapshot that is not canceled of a subscription already seen canceled: Stripe's canceled is
///   terminal, so it describes an earlier moment).
/// - (f) given the client's status before the event (where the caller knows it), a snapshot of the current
///   subscription created in the watermark's second is `stale` only when it would move the status to a
///   different one of equal or lower rank.
/// Which subscriptions were seen canceled is tracked from the events themselves (every canceled snapshot of
/// the client, whatever its outcome).
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
    /// Subscriptions of the client seen `canceled` / `incomplete_expired` in a snapshot.
    private var seenCanceled: Set<String> = []
    /// Broken promises so far, each naming the event.
    public private(set) var violations: [String] = []

    public init(clientId: String) {
        self.clientId = clientId
    }

    /// Folds one processed event (in processing order) with the outcome it got; checks (a), (d), (e) and,
    /// given `statusBefore` (the client's status when the event was processed), (f).
    public mutating func record(_ event: BillingEvent, outcome: BillingOutcome, statusBefore: BillingStatus? = nil) {
        guard outcome != .ignored else { return }
        checkSuperseded(event, outcome: outcome)
        var canceledSnapshot: String?
        if case .subscription(let snapshot) = event.kind, snapshot.status.isCanceled { canceledSnapshot = snapshot.id }
        defer { if let canceledSnapshot { seenCanceled.insert(canceledSnapshot) } }
        let staleAllowedAfterWatermark: Bool
        if case .subscription(let snapshot) = event.kind {
            staleAllowedAfterWatermark = seenCanceled.contains(snapshot.id) && !snapshot.status.isCanceled
        } else {
            staleAllowedAfterWatermark = false
        }
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
        if outcome == .stale, !staleAllowedAfterWatermark, watermark.map({ event.created > $0.created }) ?? true {
            violations.append("\(clientId): \(event.id) (created \(event.created)) came out stale although the watermark was "
                + "\(watermark.map { "\($0.id) at \($0.created)" } ?? "unset")")
        }
        if outcome == .stale, !staleAllowedAfterWatermark, let before = statusBefore, let mark = watermark,
           event.created == mark.created, case .subscription(let snapshot) = event.kind {
            let target = snapshot.status.billingStatus
            if target == before || target.sameSecondRank > before.sameSecondRank {
                violations.append("\(clientId): \(event.id) (created in the watermark's second) would move \(before) to "
                    + "\(target) but came out stale")
            }
        }
        let evaluated = outcome == .applied || outcome == .noChange || outcome == .pinned
        if let mark = watermark, event.created < mark.created, evaluated {
            violations.append("\(clientId): \(event.id) (created \(event.created)) came out \(outcome.rawValue) "
                + "although the watermark was \(mark.id) at \(mark.created)")
        }
        if evaluated, watermark.map({ (event.created, event.id) > ($0.created, $0.id) }) ?? true {
            watermark = (event.created, event.id)
        }
    }

    /// Checks (b) and (c) against the client's row after a step; what is broken joins `violations`.
    public mutating func check(_ billing: ClientBilling, at step: String) {
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
    }

    /// (d): whether an event of another subscription had to be `superseded`, from what the events showed.
    private mutating func checkSuperseded(_ event: BillingEvent, outcome: BillingOutcome) {
        let subscription: String?, isCheckout: Bool
        switch event.kind {
        case .subscription(let snapshot): (subscription, isCheckout) = (snapshot.id, false)
        case .invoice(let invoice): (subscription, isCheckout) = (invoice.subscriptionId, false)
        case .checkoutCompleted(let checkout): (subscription, isCheckout) = (checkout.subscriptionId, true)
        case .ignored: return
        }
        guard let subscription, subscription != current else { return }
        let currentIsLive = current.map { !seenCanceled.contains($0) } ?? false
        let mustBeSuperseded = seenCanceled.contains(subscription) || (currentIsLive && !isCheckout)
        if mustBeSuperseded != (outcome == .superseded) {
            violations.append("\(clientId): \(event.id) of \(subscription) came out \(outcome.rawValue); the current subscription "
                + "\(current ?? "none") is \(currentIsLive ? "live" : "not live"), \(subscription) was "
                + "\(seenCanceled.contains(subscription) ? "" : "not ")seen canceled")
        }
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
