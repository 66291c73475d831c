import BillingCore

/// Reads and writes `client_billing` / `client_controls` for the state machine's adapter.
///
/// Always inside the caller's transaction: `lock` takes the client's `client_billing` row lock,
/// and `write` stores a decision with its alerts, so that a decision commits together with
/// the event (or admin action) that caused it — or not at all.
public enum ClientStateStore {
    /// Locks the client's rows `FOR UPDATE` (`lockAll` with one id), creating missing
    /// `client_billing`, `client_controls` and `onboarding_states` rows with their defaults (SPEC
    /// §5: the main application may create clients directly). `nil` when `clients` has no such id.
    public static func lock(clientId: String, in session: PGSession) throws -> ClientState? {
        try lockAll(customers: [], subscriptions: [], clientIds: [clientId], in: session).first
    }

    /// The `client_billing` (b) and `client_controls` (c) columns `state(clientId:_:)` reads.
    static let stateColumns = """
        b.status::text AS status, b.payment_source::text AS payment_source, b.stripe_customer_id,
        b.stripe_subscription_id, b.stripe_subscription_status,
        extract(epoch FROM b.trial_started_at)::bigint AS trial_started_at,
        extract(epoch FROM b.trial_ends_at)::bigint AS trial_ends_at,
        extract(epoch FROM b.current_period_start)::bigint AS current_period_start,
        extract(epoch FROM b.current_period_end)::bigint AS current_period_end,
        b.cancel_at_period_end, extract(epoch FROM b.canceled_at)::bigint AS canceled_at, b.collection_paused,
        b.latest_invoice_id, extract(epoch FROM b.latest_invoice_created_at)::bigint AS latest_invoice_created_at,
        extract(epoch FROM b.status_changed_at)::bigint AS status_changed_at,
        extract(epoch FROM b.last_event_created_at)::bigint AS last_event_created_at, b.last_event_id,
        b.canceled_subscription_ids,
        c.outbound_paused, c.ai_disabled, c.ops_alerts_muted,
        extract(epoch FROM c.payment_gate_alerted_at)::bigint AS payment_gate_alerted_at,
        c.payment_gate_alerted_states::text[] AS payment_gate_alerted_states, c.payment_gate_alert_count
        """

    static func state(clientId: String, _ r: PGRow) -> ClientState {
        let billing = ClientBilling(
            clientId: clientId,
            status: r.string("status").flatMap(BillingStatus.init(rawValue:)) ?? .pending,
            paymentSource: r.string("payment_source").flatMap(PaymentSource.init(rawValue:)) ?? .none,
            stripeCustomerId: r.string("stripe_customer_id"),
            stripeSubscriptionId: r.string("stripe_subscription_id"),
            trialStartedAt: r.int64("trial_started_at"),
            trialEndsAt: r.int64("trial_ends_at"),
            currentPeriodStart: r.int64("current_period_start"),
            currentPeriodEnd: r.int64("current_period_end"),
            cancelAtPeriodEnd: r.bool("cancel_at_period_end") ?? false,
            canceledAt: r.int64("canceled_at"),
            collectionPaused: r.bool("collection_paused") ?? false,
            stripeSubscriptionStatus: r.string("stripe_subscription_status").flatMap(StripeSubscriptionStatus.init(rawValue:)),
            latestInvoiceId: r.string("latest_invoice_id"),
            latestInvoiceCreatedAt: r.int64("latest_invoice_created_at"),
            statusChangedAt: r.int64("status_changed_at"),
            lastEventCreatedAt: r.int64("last_event_created_at"),
            lastEventId: r.string("last_event_id"),
            canceledSubscriptionIds: Set(r.array("canceled_subscription_ids") ?? []))
        let controls = ClientControls(
            outboundPaused: r.bool("outbound_paused") ?? false,
            aiDisabled: r.bool("ai_disabled") ?? false,
            opsAlertsMuted: r.bool("ops_alerts_muted") ?? false,
            paymentGateAlertedAt: r.int64("payment_gate_alerted_at"),
            paymentGateAlertedStates: (r.array("payment_gate_alerted_states") ?? []).compactMap(BillingStatus.init(rawValue:)),
            paymentGateAlertCount: r.int("payment_gate_alert_count") ?? 0)
        return ClientState(billing: billing, controls: controls)
    }

    /// Writes one decision in the caller's transaction (`write(_:in:)` of one). Returns the ids of
    /// the appended alerts.
    @discardableResult
    public static func write(_ decision: BillingDecision, in session: PGSession) throws -> [Int64] {
        try write([decision], in: session)
    }

    /// Writes decisions made one after another on locked clients, in the caller's transaction:
    /// the appended alerts and the system acknowledgements of open gate alerts in decision order (an
    /// acknowledgement covers the alerts before it), every status change in order, then each
    /// client's final `client_billing` / `client_controls` rows — its last decision's, written
    /// when any of its decisions changed them (`writeAll`). Returns the ids of the appended alerts.
    @discardableResult
    public static func write(_ decisions: [BillingDecision], in session: PGSession) throws -> [Int64] {
        let alertIds = try AlertLogStore.write(decisions.map { ($0.alerts, $0.acknowledgement) }, in: session)
        try StatusHistoryStore.append(
            decisions.compactMap { d in d.statusChange.map { (d.billing.clientId, $0) } }, in: session)
        var last: [String: BillingDecision] = [:], billingChanged: Set<String> = [], controlsChanged: Set<String> = []
        for decision in decisions {
            let clientId = decision.billing.clientId
            last[clientId] = decision
            if decision.billingChanged { billingChanged.insert(clientId) }
            if decision.controlsChanged { controlsChanged.insert(clientId) }
        }
        try writeAll(
            billing: billingChanged.sorted().compactMap { last[$0]?.billing },
            controls: controlsChanged.sorted().compactMap { id in last[id].map { (id, $0.controls) } },
            in: session)
        return alertIds
    }
}
