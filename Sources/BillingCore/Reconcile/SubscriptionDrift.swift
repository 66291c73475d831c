/// One field on which a client's `client_billing` row and its Stripe subscription disagree
/// (`reconcile`, SPEC §8, §10: `status` mapped, `current_period_end`, `cancel_at_period_end`).
public struct SubscriptionDrift: Sendable, Hashable {
    /// The compared fields, named as `client_billing`'s columns.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case status
        case currentPeriodEnd = "current_period_end"
        case cancelAtPeriodEnd = "cancel_at_period_end"
    }

    /// A compared value, on the client's side or Stripe's (Stripe's status already mapped).
    public enum Value: Sendable, Hashable {
        case status(BillingStatus)
        /// Unix seconds, or `nil` when unset.
        case timestamp(Int64?)
        case flag(Bool)
    }

    public var field: Field
    public var local: Value
    public var stripe: Value

    public init(field: Field, local: Value, stripe: Value) {
        self.field = field
        self.local = local
        self.stripe = stripe
    }

    /// The compared fields of a billing row, as `reconcile` reads them.
    public struct Local: Sendable, Hashable {
        public var status: BillingStatus
        public var currentPeriodEnd: Int64?
        public var cancelAtPeriodEnd: Bool

        public init(status: BillingStatus, currentPeriodEnd: Int64?, cancelAtPeriodEnd: Bool) {
            self.status = status
            self.currentPeriodEnd = currentPeriodEnd
            self.cancelAtPeriodEnd = cancelAtPeriodEnd
        }

        public init(_ billing: ClientBilling) {
            self.init(status: billing.status, currentPeriodEnd: billing.currentPeriodEnd,
                      cancelAtPeriodEnd: billing.cancelAtPeriodEnd)
        }
    }

    /// The fields on which `local` differs from `subscription`, in `Field.allCases` order.
    public static func compare(_ local: Local, with subscription: SubscriptionSnapshot) -> [SubscriptionDrift] {
        var drift: [SubscriptionDrift] = []
        for field in Field.allCases {
            let pair = values(of: field, local: local, subscription: subscription)
            if pair.local != pair.stripe { drift.append(SubscriptionDrift(field: field, local: pair.local, stripe: pair.stripe)) }
        }
        return drift
    }

    /// Whether `field` of `local` now equals Stripe's value (after a repair).
    public static func matches(_ field: Field, local: Local, subscription: SubscriptionSnapshot) -> Bool {
        let pair = values(of: field, local: local, subscription: subscription)
        return pair.local == pair.stripe
    }

    private static func values(
        of field: Field, local: Local, subscription: SubscriptionSnapshot
    ) -> (local: Value, stripe: Value) {
        switch field {
        case .status: (.status(local.status), .status(subscription.status.billingStatus))
        case .currentPeriodEnd: (.timestamp(local.currentPeriodEnd), .timestamp(subscription.currentPeriodEnd))
        case .cancelAtPeriodEnd: (.flag(local.cancelAtPeriodEnd), .flag(subscription.cancelAtPeriodEnd))
        }
    }
}
