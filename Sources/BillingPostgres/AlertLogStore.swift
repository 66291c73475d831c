import BillingCore

/// Writes to the append-only `alert_logs` (the triggers refuse anything but appends and one
/// acknowledgement per alert).
public enum AlertLogStore {
    /// Appends one alert, open; returns its id.
    @discardableResult
    public static func append(_ alert: AlertToAppend, in session: PGSession) throws -> Int64 {
        try write([([alert], nil)], in: session).first ?? 0
    }

    /// Acknowledges every open `PAYMENT_GATE` alert of the client as `system` (the gate opened).
    /// Returns how many were acknowledged.
    @discardableResult
    public static func acknowledgeGateAlerts(_ ack: GateAlertAcknowledgement, in session: PGSession) throws -> Int {
        try acknowledgeGateAlerts([ack], in: session)
    }

    /// Acknowledges every open `PAYMENT_GATE` alert of each acknowledgement's client, in one
    /// statement (one acknowledgement per client; clients in id order). Returns how many were acknowledged.
    @discardableResult
    static func acknowledgeGateAlerts(_ acks: [GateAlertAcknowledgement], in session: PGSession) throws -> Int {
        guard !acks.isEmpty else { return 0 }
        let sorted = acks.sorted { $0.clientId < $1.clientId }
        return try session.prepared("ack_gate_alerts", """
            UPDATE alert_logs AS a SET acknowledged_at = now(), acknowledged_by = v.acknowledged_by, resolution = v.resolution
            FROM unnest(\(sorted.map(\.clientId))::text[], \(sorted.map(\.acknowledgedBy))::text[], \(sorted.map(\.resolution))::text[])
              AS v(client_id, acknowledged_by, resolution)
            WHERE a.client_id = v.client_id AND a.alert_type = 'PAYMENT_GATE' AND a.acknowledged_at IS NULL
            """).affectedRows
    }

    /// Writes the alerts and gate acknowledgements of decisions made one after another, in two
    /// statements whatever their number, with the rows that appending each decision's alerts and
    /// then applying its acknowledgement would leave (all in the caller's transaction, whose `now()`
    /// both would use):
    /// - a client's open gate alerts from before are acknowledged by its first acknowledgement;
    /// - an appended gate alert is stored acknowledged by the first acknowledgement of its client in
    ///   its own decision or a later one, and open when there is none.
    ///
    /// One statement per alert and per acknowledgement was two thirds of a processing batch's round
    /// trips, each a wait for PostgreSQL on a busy machine. Returns the appended alerts' ids, in order.
    static func write(_ decisions: [(alerts: [AlertToAppend], acknowledgement: GateAlertAcknowledgement?)], in session: PGSession) throws -> [Int64] {
        var firstAck: [String: GateAlertAcknowledgement] = [:]
        var appended: [(alert: AlertToAppend, ack: GateAlertAcknowledgement?)] = []
        for decision in decisions.reversed() {
            if let ack = decision.acknowledgement { firstAck[ack.clientId] = ack }
            for alert in decision.alerts.reversed() {
                let ack = alert.type == .paymentGate ? alert.clientId.flatMap { firstAck[$0] } : nil
                appended.append((alert, ack))
            }
        }
        appended.reverse()
        try acknowledgeGateAlerts(Array(firstAck.values), in: session)
        guard !appended.isEmpty else { return [] }
        func col(_ f: ((alert: AlertToAppend, ack: GateAlertAcknowledgement?)) -> String?) -> [String?] { appended.map(f) }
        let rows = try session.prepared("append_alerts", """
            INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message, metadata, acknowledged_at, acknowledged_by, resolution)
            SELECT v.alert_type, v.alert_key, v.severity, v.client_id, v.message, v.metadata::jsonb,
                   CASE WHEN v.acknowledged_by IS NOT NULL THEN now() END, v.acknowledged_by, v.resolution
            FROM unnest(\(array: col { $0.alert.type.rawValue })::text[], \(array: col { $0.alert.key })::text[],
                        \(array: col { $0.alert.severity.rawValue })::text[], \(array: col { $0.alert.clientId })::text[],
                        \(array: col { $0.alert.message })::text[], \(array: col { JSONText.object($0.alert.metadata) })::text[],
                        \(array: col { $0.ack?.acknowledgedBy })::text[], \(array: col { $0.ack?.resolution })::text[])
              WITH ORDINALITY AS v(alert_type, alert_key, severity, client_id, message, metadata, acknowledged_by, resolution, n)
            ORDER BY v.n
            RETURNING id
            """)
        // Identity values are drawn row by row in insertion order, which is the decisions' order.
        return rows.rows.compactMap { $0.int64("id") }.sorted()
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
