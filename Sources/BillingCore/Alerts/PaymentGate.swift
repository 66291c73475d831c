/// Whether a client may use the product (SPEC §6): open in TRIALING/ACTIVE, closed in PAST_DUE/UNPAID/PAUSED/CANCELED,
/// pending in PENDING. Raw values are the admin API's `gate` filter values.
public enum PaymentGate: String, CaseIterable, Sendable, Hashable {
    case open
    case closed
    case pending
}

extension BillingStatus {
    /// The payment gate of a client in this status.
    public var paymentGate: PaymentGate {
        switch self {
        case .trialing, .active: .open
        case .pastDue, .unpaid, .paused, .canceled: .closed
        case .pending: .pending
        }
    }

    /// Severity of the payment-gate alert raised on entering this status; `nil` for states that never alert.
    public var paymentGateAlertSeverity: AlertSeverity? {
        switch self {
        case .pastDue, .paused: .warning
        case .unpaid: .critical
        case .canceled: .info
        case .pending, .trialing, .active: nil
        }
    }
}
