import BillingCore

/// The one load and the one write of client state: set-based, for any number of clients (a
/// batch of events, or one admin action).
extension ClientStateStore {
    /// Locks, in client id order, the rows of every client holding one of `customers` or
    /// `subscriptions`, or whose id is in `clientIds` — creating the companion rows of ids that
    /// exist in `clients` but have none yet (SPEC §5). Locking in one order means two batches
    /// that share clients wait for each other instead of deadlocking. (Index lookups per key:
    /// `col = ANY(array) OR …` made PostgreSQL filter every row against every key, 14 ms for a
    /// batch over 1,000 clients against 2 ms this way.)
    public static func lockAll(
        customers: [String], subscriptions: [String], clientIds: [String], in session: PGSession
    ) throws -> [ClientState] {
        var states = try lockedStates(
            "lock_client_states", """
            WHERE b.client_id IN (
              SELECT client_id FROM client_billing WHERE stripe_customer_id IN (SELECT unnest(\(customers)::text[]))
              UNION ALL
              SELECT client_id FROM client_billing WHERE stripe_subscription_id IN (SELECT unnest(\(subscriptions)::text[]))
              UNION ALL
              SELECT unnest(\(clientIds)::text[]))
            """, in: session)
        let loaded = Set(states.map(\.billing.clientId))
        let missing = Array(Set(clientIds).subtracting(loaded)).sorted()
        guard !missing.isEmpty else { return states }
        let existing = try session.prepared("client_companions_batch", """
            WITH ids AS (SELECT id FROM clients WHERE id = ANY(\(missing)::text[])),
                 b AS (INSERT INTO client_billing (client_id) SELECT id FROM ids ON CONFLICT DO NOTHING),
                 c AS (INSERT INTO client_controls (client_id) SELECT id FROM ids ON CONFLICT DO NOTHING),
                 o AS (INSERT INTO onboarding_states (client_id) SELECT id FROM ids ON CONFLICT DO NOTHING)
            SELECT id FROM ids
            """).rows.compactMap { $0.string("id") }
        guard !existing.isEmpty else { return states }
        states += try lockedStates("lock_client_states_by_id", "WHERE b.client_id = ANY(\(existing)::text[])", in: session)
        return states
    }

    private static func lockedStates(_ name: String, _ filter: PGQuery, in session: PGSession) throws -> [ClientState] {
        var query = PGQuery(unsafeSQL: """
            SELECT b.client_id AS locked_client_id, \(stateColumns)
            FROM client_billing b JOIN client_controls c USING (client_id)

            """, binds: filter.binds)
        query.sql += filter.sql + "\nORDER BY b.client_id\nFOR UPDATE OF b, c"
        return try session.prepared(name, query).rows.map { state(clientId: $0.string("locked_client_id") ?? "", $0) }
    }

    /// Writes the `client_billing` rows of `billing` and `client_controls` rows of `controls`, one
    /// statement each: the only place that lists their columns for writing.
    static func writeAll(billing: [ClientBilling], controls: [(clientId: String, controls: ClientControls)], in session: PGSession) throws {
        if !billing.isEmpty {
            func col(_ f: (ClientBilling) -> String?) -> [String?] { billing.map(f) }
            func time(_ f: (ClientBilling) -> Int64?) -> [String?] { billing.map { f($0).map { String($0) } } }
            try session.prepared("write_billing_batch", """
                UPDATE client_billing AS b SET
                  status = v.status::"BillingStatus", payment_source = v.payment_source::"PaymentSource",
                  stripe_customer_id = v.customer, stripe_subscription_id = v.subscription,
                  stripe_subscription_status = v.subscription_status,
                  trial_started_at = to_timestamp(v.trial_started_at::bigint), trial_ends_at = to_timestamp(v.trial_ends_at::bigint),
                  current_period_start = to_timestamp(v.period_start::bigint), current_period_end = to_timestamp(v.period_end::bigint),
                  cancel_at_period_end = v.cancel_at_period_end::boolean, canceled_at = to_timestamp(v.canceled_at::bigint),
                  collection_paused = v.collection_paused::boolean, latest_invoice_id = v.latest_invoice_id,
                  latest_invoice_created_at = to_timestamp(v.latest_invoice_created_at::bigint),
                  status_changed_at = COALESCE(to_timestamp(v.status_changed_at::bigint), b.status_changed_at),
                  last_event_created_at = to_timestamp(v.last_event_created_at::bigint), last_event_id = v.last_event_id,
                  canceled_subscription_ids = v.canceled_subscription_ids::text[], updated_at = now()
                FROM unnest(\(array: col { $0.clientId })::text[], \(array: col { $0.status.rawValue })::text[],
                            \(array: col { $0.paymentSource.rawValue })::text[], \(array: col(\.stripeCustomerId))::text[],
                            \(array: col(\.stripeSubscriptionId))::text[], \(array: col { $0.stripeSubscriptionStatus?.rawValue })::text[],
                            \(array: time(\.trialStartedAt))::text[], \(array: time(\.trialEndsAt))::text[],
                            \(array: time(\.currentPeriodStart))::text[], \(array: time(\.currentPeriodEnd))::text[],
                            \(array: col { $0.cancelAtPeriodEnd ? "t" : "f" })::text[], \(array: time(\.canceledAt))::text[],
                            \(array: col { $0.collectionPaused ? "t" : "f" })::text[], \(array: col(\.latestInvoiceId))::text[],
                            \(array: time(\.latestInvoiceCreatedAt))::text[], \(array: time(\.statusChangedAt))::text[],
                            \(array: time(\.lastEventCreatedAt))::text[], \(array: col(\.lastEventId))::text[],
                            \(array: col { PGArray.literal($0.canceledSubscriptionIds.sorted()) })::text[])
                  AS v(client_id, status, payment_source, customer, subscription, subscription_status, trial_started_at,
                       trial_ends_at, period_start, period_end, cancel_at_period_end, canceled_at, collection_paused,
                       latest_invoice_id, latest_invoice_created_at, status_changed_at, last_event_created_at,
                       last_event_id, canceled_subscription_ids)
                WHERE b.client_id = v.client_id
                """)
        }
        if !controls.isEmpty {
            func col(_ f: (ClientControls) -> String?) -> [String?] { controls.map { f($0.controls) } }
            try session.prepared("write_controls_batch", """
                UPDATE client_controls AS c SET
                  outbound_paused = v.outbound_paused::boolean, ai_disabled = v.ai_disabled::boolean,
                  ops_alerts_muted = v.ops_alerts_muted::boolean,
                  payment_gate_alerted_at = to_timestamp(v.alerted_at::bigint),
                  payment_gate_alerted_states = v.alerted_states::"BillingStatus"[],
                  payment_gate_alert_count = v.alert_count::integer, updated_at = now()
                FROM unnest(\(array: controls.map(\.clientId))::text[], \(array: col { $0.outboundPaused ? "t" : "f" })::text[],
                            \(array: col { $0.aiDisabled ? "t" : "f" })::text[], \(array: col { $0.opsAlertsMuted ? "t" : "f" })::text[],
                            \(array: col { $0.paymentGateAlertedAt.map { String($0) } })::text[],
                            \(array: col { PGArray.literal($0.paymentGateAlertedStates.map(\.rawValue)) })::text[],
                            \(array: col { String($0.paymentGateAlertCount) })::text[])
                  AS v(client_id, outbound_paused, ai_disabled, ops_alerts_muted, alerted_at, alerted_states, alert_count)
                WHERE c.client_id = v.client_id
                """)
        }
    }
}
