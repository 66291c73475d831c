/// What an `admin_actions` row records (`admin_actions.action`, SPEC §7, §8): one name per
/// mutation of the admin API and the console, and one per operator job. The raw value is the
/// stored text; the client actions' values are also their paths (`POST …/clients/:id/<value>`).
/// In the core because the operator's decisions name it (`GateChangeCause.adminAction`).
public enum AuditAction: String, Sendable, Hashable, CaseIterable {
    /// `POST /api/admin/clients`.
    case createClient = "create-client"
    /// The client is ACTIVE with payment source MANUAL.
    case confirmPayment = "confirm-payment"
    /// The client is ACTIVE with payment source WAIVED.
    case waive = "waive"
    /// Onboarding is COMPLETED.
    case completeOnboarding = "complete-onboarding"
    /// Outbound messages to the client stop.
    case pauseOutbound = "pause-outbound"
    /// Outbound messages to the client resume.
    case resumeOutbound = "resume-outbound"
    /// The client's payment-gate alerts are no longer raised.
    case muteAlerts = "mute-alerts"
    /// The client's payment-gate alerts are raised again.
    case unmuteAlerts = "unmute-alerts"
    /// The payment-gate alert is re-armed.
    case resetPaymentAlert = "reset-payment-alert"
    /// An operator acknowledged an alert.
    case acknowledgeAlert = "acknowledge-alert"
    /// An operator replayed a stored event.
    case replayEvent = "replay-event"
    /// One run of `billing-worker ingest` (admin `importer`).
    case ingest = "ingest"
    /// One client repaired by `billing-worker reconcile --apply` (admin `reconciler`).
    case reconcile = "reconcile"
}
