import BillingCore

/// Reads and writes `client_billing` / `client_controls` for the state machine's adapter.
///
/// Always inside the caller's transaction: `lock` takes the client's `client_billing` row lock,
/// and `write` stores a decision with its alerts, so that a decision commits together with
/// the event (or admin action) that caused it — or not at all.
public enum ClientStateStore {
    /// Locks the client's `client_billing` row `FOR UPDATE`, creating missing `client_billing`,
    /// `client_controls` and `onboarding_states` rows with their defaults (SPEC §5: the main
    /// application may create clients directly). `nil` when `clients` has no such id.
    public static func lock(clientId: String, in session: PGSession) throws -> ClientState? {
        // Common case first: the rows exist, so one round trip locks and reads them.
        if let row = try lockedRow(clientId: clientId, in: session) { return state(clientId: clientId, row) }
        let exists = try session.prepared("client_exists", "SELECT 1 AS one FROM clients WHERE id = \(clientId)")
        guard !exists.isEmpty else { return nil }
        try session.prepared("client_companions", """
            WITH b AS (INSERT INTO client_billing (client_id) VALUES (\(clientId)) ON CONFLICT DO NOTHING),
                 c AS (INSERT INTO client_controls (client_id) VALUES (\(clientId)) ON CONFLICT DO NOTHING)
            INSERT INTO onboarding_states (client_id) VALUES (\(clientId)) ON CONFLICT DO NOTHING
            """)
        return try lockedRow(clientId: clientId, in: session).map { state(clientId: clientId, $0) }
    }

    private static func lockedRow(clientId: String, in session: PGSession) throws -> PGRow? {
        let rows = try session.prepared("lock_client_state", """
            SELECT \(unsafeSQL: stateColumns)
            FROM client_billing b JOIN client_controls c USING (client_id)
            WHERE b.client_id = \(clientId)
            FOR UPDATE OF b, c
            """)
        return rows.first
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

    /// Writes a decision in the caller's transaction: `client_billing`, `client_controls`, the
    /// appended alerts, the system acknowledgement of open gate alerts and the status history row.
    /// Returns the ids of the appended alerts.
    @discardableResult
    public static func write(_ decision: BillingDecision, in session: PGSession) throws -> [Int64] {
        let b = decision.billing
        if decision.billingChanged {
            try session.prepared("write_billing", """
                UPDATE client_billing SET
                  status = \(b.status.rawValue)::"BillingStatus", payment_source = \(b.paymentSource.rawValue)::"PaymentSource",
                  stripe_customer_id = \(b.stripeCustomerId), stripe_subscription_id = \(b.stripeSubscriptionId),
                  stripe_subscription_status = \(b.stripeSubscriptionStatus?.rawValue),
                  trial_started_at = to_timestamp(\(b.trialStartedAt)::bigint), trial_ends_at = to_timestamp(\(b.trialEndsAt)::bigint),
                  current_period_start = to_timestamp(\(b.currentPeriodStart)::bigint),
                  current_period_end = to_timestamp(\(b.currentPeriodEnd)::bigint),
                  cancel_at_period_end = \(b.cancelAtPeriodEnd), canceled_at = to_timestamp(\(b.canceledAt)::bigint),
                  collection_paused = \(b.collectionPaused), latest_invoice_id = \(b.latestInvoiceId),
                  latest_invoice_created_at = to_timestamp(\(b.latestInvoiceCreatedAt)::bigint),
                  status_changed_at = COALESCE(to_timestamp(\(b.statusChangedAt)::bigint), status_changed_at),
                  last_event_created_at = to_timestamp(\(b.lastEventCreatedAt)::bigint), last_event_id = \(b.lastEventId),
                  canceled_subscription_ids = \(b.canceledSubscriptionIds.sorted())::text[], updated_at = now()
                WHERE client_id = \(b.clientId)
                """)
        }
        if decision.controlsChanged {
            let c = decision.controls
            try session.prepared("write_controls", """
                UPDATE client_controls SET
                  outbound_paused = \(c.outboundPaused), ai_disabled = \(c.aiDisabled), ops_alerts_muted = \(c.opsAlertsMuted),
                  payment_gate_alerted_at = to_timestamp(\(c.paymentGateAlertedAt)::bigint),
                  payment_gate_alerted_states = \(c.paymentGateAlertedStates.map(\.rawValue))::"BillingStatus"[],
                  payment_gate_alert_count = \(c.paymentGateAlertCount), updated_at = now()
                WHERE client_id = \(b.clientId)
                """)
        }
        var ids: [Int64] = []
        for alert in decision.alerts {
            ids.append(try AlertLogStore.append(alert, in: session))
        }
        if let ack = decision.acknowledgement {
            try AlertLogStore.acknowledgeGateAlerts(ack, in: session)
        }
        if let change = decision.statusChange {
            try StatusHistoryStore.append([(b.clientId, change)], in: session)
        }
        return ids
    }
}
