import BillingCore

/// Writes to the append-only `alert_logs` (the triggers refuse anything but appends and one
/// acknowledgement per alert).
public enum AlertLogStore {
    /// Appends one alert; returns its id.
    @discardableResult
    public static func append(_ alert: AlertToAppend, in session: PGSession) throws -> Int64 {
        let metadata = JSONText.object(alert.metadata)
        let rows = try session.prepared("append_alert", """
            INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message, metadata)
            VALUES (\(alert.type.rawValue), \(alert.key), \(alert.severity.rawValue), \(alert.clientId), \(alert.message),
                    \(metadata)::jsonb)
            RETURNING id
            """)
        return rows.first?.int64("id") ?? 0
    }

    /// Acknowledges every open `PAYMENT_GATE` alert of the client as `system` (the gate opened).
    /// Returns how many were acknowledged.
    @discardableResult
    public static func acknowledgeGateAlerts(_ ack: GateAlertAcknowledgement, in session: PGSession) throws -> Int {
        try session.prepared("ack_gate_alerts", """
            UPDATE alert_logs SET acknowledged_at = now(), acknowledged_by = \(ack.acknowledgedBy), resolution = \(ack.resolution)
            WHERE client_id = \(ack.clientId) AND alert_type = 'PAYMENT_GATE' AND acknowledged_at IS NULL
            """).affectedRows
    }
}

/// Minimal JSON text building for jsonb binds (flat string maps), without Foundation.
public enum JSONText {
    public static func object(_ map: [String: String]) -> String {
        "{" + map.keys.sorted().map { "\(string($0)):\(string(map[$0]!))" }.joined(separator: ",") + "}"
    }

    public static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
