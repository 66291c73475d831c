/// A Stripe subscription's own `status`, as Stripe spells it.
public enum StripeSubscriptionStatus: String, CaseIterable, Sendable, Hashable {
    case incomplete
    case incompleteExpired = "incomplete_expired"
    case trialing
    case active
    case pastDue = "past_due"
    case unpaid
    case paused
    case canceled

    /// The client status this subscription status maps to (SPEC §5).
    public var billingStatus: BillingStatus {
        switch self {
        case .incomplete: .pending
        case .trialing: .trialing
        case .active: .active
        case .pastDue: .pastDue
        case .unpaid: .unpaid
        case .paused: .paused
        case .canceled, .incompleteExpired: .canceled
        }
    }

    /// Terminal statuses: a subscription seen in one of them never becomes live or current again.
    public var isCanceled: Bool {
        switch self {
        case .canceled, .incompleteExpired: true
        case .incomplete, .trialing, .active, .pastDue, .unpaid, .paused: false
        }
    }

    /// Snapshot statuses that hand the client back to Stripe (`payment_source = STRIPE`), even from MANUAL or WAIVED.
    var returnsSourceToStripe: Bool {
        switch self {
        case .trialing, .active: true
        case .incomplete, .incompleteExpired, .pastDue, .unpaid, .paused, .canceled: false
        }
    }
}
