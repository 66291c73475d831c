/// A client's billing status. Raw values are the labels of the PostgreSQL enum
/// `"BillingStatus"` (SPEC §3), in the same order.
public enum BillingStatus: String, CaseIterable, Sendable, Hashable, Codable {
    case pending = "PENDING"
    case trialing = "TRIALING"
    case active = "ACTIVE"
    case pastDue = "PAST_DUE"
    case unpaid = "UNPAID"
    case paused = "PAUSED"
    case canceled = "CANCELED"
}

/// Who is paying for a client. Raw values are the labels of the PostgreSQL enum
/// `"PaymentSource"` (SPEC §3), in the same order.
public enum PaymentSource: String, CaseIterable, Sendable, Hashable, Codable {
    case none = "NONE"
    case stripe = "STRIPE"
    case manual = "MANUAL"
    case waived = "WAIVED"
}

extension PaymentSource {
    /// An operator's confirm-payment (MANUAL) or waive (WAIVED): Stripe events that would move the client to
    /// another status change nothing (outcome `pinned`) until Stripe takes the client back (SPEC §5).
    public var isPinned: Bool {
        switch self {
        case .manual, .waived: true
        case .none, .stripe: false
        }
    }
}
