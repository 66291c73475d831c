import BillingCore

/// The client actions of SPEC §7: `POST /api/admin/clients/:id/<rawValue>` with `{"reason"}` —
/// the audit actions an operator performs on one client. Their names are the audit actions'
/// (`AuditAction`): the path segment is the audit row's `action`.
enum ClientAction: CaseIterable, Sendable, Hashable {
    case confirmPayment, waive, completeOnboarding, pauseOutbound, resumeOutbound, muteAlerts, unmuteAlerts, resetPaymentAlert

    /// The audit action of the same name.
    var auditAction: AuditAction {
        switch self {
        case .confirmPayment: .confirmPayment
        case .waive: .waive
        case .completeOnboarding: .completeOnboarding
        case .pauseOutbound: .pauseOutbound
        case .resumeOutbound: .resumeOutbound
        case .muteAlerts: .muteAlerts
        case .unmuteAlerts: .unmuteAlerts
        case .resetPaymentAlert: .resetPaymentAlert
        }
    }

    /// The path segment: the audit action's name.
    var rawValue: String { auditAction.rawValue }

    /// The client action named `rawValue`; `nil` for any other name (an audit action of no client route too).
    init?(rawValue: String) {
        guard let action = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = action
    }
}
