/// Metadata keys of every structured log line, in one place (style §3.10).
/// Values are ids, types, outcomes and durations — never secrets, signatures or bodies.
public enum LogKey {
    public static let eventId = "billing.event_id"
    public static let eventType = "billing.event_type"
    public static let clientId = "billing.client_id"
    public static let outcome = "billing.outcome"
    public static let status = "billing.status"
    public static let duplicate = "billing.duplicate"
    public static let durationMs = "billing.duration_ms"
    public static let code = "billing.code"
    public static let error = "billing.error"
    public static let count = "billing.count"
    public static let adminId = "billing.admin_id"
    /// The address an authentication failure is counted for (the client's, or the proxy's).
    public static let clientAddress = "billing.client_address"
    /// Where an admin token was presented: `admin_api` or `console`.
    public static let surface = "billing.surface"
}
