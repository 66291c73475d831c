/// `alert_logs.severity` values.
public enum AlertSeverity: String, CaseIterable, Sendable, Hashable {
    case info = "INFO"
    case warning = "WARNING"
    case critical = "CRITICAL"
}

/// `alert_logs.alert_type` values raised by the worker.
public enum AlertType: String, CaseIterable, Sendable, Hashable {
    case paymentGate = "PAYMENT_GATE"
    case eventProcessingFailed = "EVENT_PROCESSING_FAILED"
}

/// A row the adapter appends to `alert_logs` (append-only) in the same transaction as the change that raised it.
public struct AlertToAppend: Sendable, Hashable {
    public var type: AlertType
    /// `payment_gate:<client_id>` or `event_failed:<stripe_event_id>`.
    public var key: String
    public var severity: AlertSeverity
    public var clientId: String?
    /// Human-readable; never holds a secret or a payload.
    public var message: String
    /// Stored as a flat JSON object in `alert_logs.metadata`.
    public var metadata: [String: String]

    public init(
        type: AlertType, key: String, severity: AlertSeverity, clientId: String?, message: String,
        metadata: [String: String]
    ) {
        self.type = type
        self.key = key
        self.severity = severity
        self.clientId = clientId
        self.message = message
        self.metadata = metadata
    }

    /// The `alert_key` of a client's payment-gate alerts.
    public static func paymentGateKey(clientId: String) -> String { "payment_gate:\(clientId)" }

    /// The one alert raised when an event exhausts its attempts and becomes `failed` (SPEC §6).
    /// - Parameters:
    ///   - stripeEventId: the event's `evt_…` id (the alert key is `event_failed:<id>`).
    ///   - eventType: the event's Stripe type, for the message.
    ///   - clientId: the client, when it was resolved.
    ///   - attempts: how many attempts were made.
    ///   - lastError: the last error's safe description (never a payload).
    public static func eventProcessingFailed(
        stripeEventId: String, eventType: String, clientId: String?, attempts: Int, lastError: String
    ) -> AlertToAppend {
        var metadata = ["stripe_event_id": stripeEventId, "type": eventType, "attempts": String(attempts),
                        "last_error": lastError]
        if let clientId { metadata["client_id"] = clientId }
        return AlertToAppend(
            type: .eventProcessingFailed, key: "event_failed:\(stripeEventId)", severity: .critical,
            clientId: clientId,
            message: "Stripe event \(stripeEventId) (\(eventType)) failed after \(attempts) attempts: \(lastError)",
            metadata: metadata)
    }
}

/// Acknowledge every unacknowledged `PAYMENT_GATE` alert of the client (SPEC §6, gate opens).
public struct GateAlertAcknowledgement: Sendable, Hashable {
    public var clientId: String
    /// Always `system`: the worker, not an operator, resolved them.
    public var acknowledgedBy: String
    /// Names the Stripe event id, the admin action or the reconcile that opened the gate.
    public var resolution: String

    public init(clientId: String, resolution: String) {
        self.clientId = clientId
        self.acknowledgedBy = "system"
        self.resolution = resolution
    }
}
