extension BillingStatus {
    /// Position on the forward-only path PENDING → TRIALING → ACTIVE → PAST_DUE (= PAUSED) → UNPAID → CANCELED.
    ///
    /// Used only for events created in the *same second* as the watermark (SPEC §5): such an event may move the
    /// status to a strictly higher rank and nowhere else, because Stripe's one-second `created` cannot order them.
    public var sameSecondRank: Int {
        switch self {
        case .pending: 0
        case .trialing: 1
        case .active: 2
        case .pastDue, .paused: 3
        case .unpaid: 4
        case .canceled: 5
        }
    }
}
