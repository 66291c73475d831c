import BillingCore
import BillingPostgres

/// The client actions of SPEC §7: `POST /api/admin/clients/:id/<rawValue>` with `{"reason"}`.
/// The raw value is also the audit row's `action`.
enum ClientAction: String, CaseIterable, Sendable {
    case confirmPayment = "confirm-payment"
    case waive = "waive"
    case completeOnboarding = "complete-onboarding"
    case pauseOutbound = "pause-outbound"
    case resumeOutbound = "resume-outbound"
    case muteAlerts = "mute-alerts"
    case unmuteAlerts = "unmute-alerts"
    case resetPaymentAlert = "reset-payment-alert"

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
}
