/// What moved a client's status: named in alert metadata and in acknowledgement resolutions.
public enum GateChangeCause: Sendable, Hashable {
    /// A Stripe webhook, import or back-filled event.
    case stripeEvent(id: String, type: String)
    /// An operator's admin action (`confirm-payment`, `waive`, `reset-payment-alert`).
    case adminAction(action: AuditAction, adminId: String)
    /// `reconcile --apply` repairing from a subscription fetched at `fetchedAt`.
    case reconcile(subscriptionId: String, fetchedAt: Int64)

    var description: String {
        switch self {
        case .stripeEvent(let id, let type): "Stripe event \(id) (\(type))"
        case .adminAction(let action, let adminId): "admin action \(action.rawValue) by \(adminId)"
        case .reconcile(let subscriptionId, let fetchedAt): "reconcile of \(subscriptionId) fetched at \(fetchedAt)"
        }
    }

    var metadata: [String: String] {
        switch self {
        case .stripeEvent(let id, let type): ["stripe_event_id": id, "stripe_event_type": type]
        case .adminAction(let action, let adminId): ["admin_action": action.rawValue, "admin_id": adminId]
        case .reconcile(let subscriptionId, let fetchedAt):
            ["reconcile_subscription_id": subscriptionId, "reconcile_fetched_at": String(fetchedAt)]
        }
    }
}
