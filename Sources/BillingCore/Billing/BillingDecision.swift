/// Everything processing one input decided, as a value; the adapter executes it in one transaction (SPEC §5).
///
/// The adapter always writes `billing` and `controls` (cheap to skip when `billingChanged`/`controlsChanged` are
/// false), appends `alerts`, executes `acknowledgement`, sets the event's status (`outcome.eventStatus`) and
/// outcome, records `transition` in metrics, and acts on the re-queue signals — all in the same transaction.
public struct BillingDecision: Sendable, Hashable {
    /// The `billing_events.outcome` (operator actions and reconcile report `applied` or `noChange`).
    public var outcome: BillingOutcome
    /// The `client_billing` row after the decision.
    public var billing: ClientBilling
    /// The `client_controls` row after the decision.
    public var controls: ClientControls
    /// Rows to append to `alert_logs`.
    public var alerts: [AlertToAppend]
    /// Acknowledge the client's open `PAYMENT_GATE` alerts as `system` with this resolution.
    public var acknowledgement: GateAlertAcknowledgement?
    /// The status change, if any (for `billing_transitions_total{from,to}`).
    public var transition: StatusTransition?
    /// This subscription became the client's current one (adopted, or linked by a checkout).
    public var subscriptionBecameCurrent: String?
    /// The current subscription was seen canceled by this decision (it is no longer live).
    public var currentSubscriptionEnded: String?
    /// The client's `stripe_customer_id` was empty and is now this customer.
    public var linkedCustomerId: String?
    /// The change of status or payment source, with its cause, for `billing_status_history`.
    public var statusChange: StatusChange?

    /// Re-queue the client's `superseded` events (status back to `received`, due now; they are then claimed in
    /// `created` order). True when a subscription became current — its waiting events now apply — or when the
    /// current one ended — a waiting subscription may now become current. Re-queueing every superseded event of
    /// the client is safe: one that still belongs to a non-current subscription is `superseded` again.
    public var requeuesSupersededEvents: Bool { subscriptionBecameCurrent != nil || currentSubscriptionEnded != nil }

    public var billingChanged: Bool
    public var controlsChanged: Bool

    public init(
        outcome: BillingOutcome, billing: ClientBilling, controls: ClientControls, alerts: [AlertToAppend] = [],
        acknowledgement: GateAlertAcknowledgement? = nil, transition: StatusTransition? = nil,
        subscriptionBecameCurrent: String? = nil, currentSubscriptionEnded: String? = nil,
        linkedCustomerId: String? = nil, statusChange: StatusChange? = nil, billingChanged: Bool, controlsChanged: Bool
    ) {
        self.statusChange = statusChange
        self.outcome = outcome
        self.billing = billing
        self.controls = controls
        self.alerts = alerts
        self.acknowledgement = acknowledgement
        self.transition = transition
        self.subscriptionBecameCurrent = subscriptionBecameCurrent
        self.currentSubscriptionEnded = currentSubscriptionEnded
        self.linkedCustomerId = linkedCustomerId
        self.billingChanged = billingChanged
        self.controlsChanged = controlsChanged
    }
}

/// A change of `client_billing.status`.
public struct StatusTransition: Sendable, Hashable {
    public var from: BillingStatus
    public var to: BillingStatus

    public init(from: BillingStatus, to: BillingStatus) {
        self.from = from
        self.to = to
    }
}
