/// `alert_logs` as operators see and acknowledge it (SPEC §7): lists rendered by `to_jsonb` (the
/// table's column names), and an operator's acknowledgement.
extension AlertLogStore {
    /// Which alerts a list shows, by acknowledgement.
    public enum Acknowledged: Sendable {
        case open, acknowledged, any
    }

    /// A page of alerts, newest first, filtered by acknowledgement, client and type.
    /// - Parameters:
    ///   - afterId: the id of the previous page's last alert.
    ///   - limit: the most rows answered.
    public static func page(
        _ acknowledged: Acknowledged, clientId: String?, type: String?, afterId: Int64?, limit: Int, in session: PGSession
    ) throws -> RowPage {
        var list = NewestFirstList(select: "SELECT x.id, to_jsonb(x)::text AS j FROM alert_logs x")
        switch acknowledged {
        case .open: list.condition("x.acknowledged_at IS NULL")
        case .acknowledged: list.condition("x.acknowledged_at IS NOT NULL")
        case .any: break
        }
        list.equals("x.client_id", clientId)
        list.equals("x.alert_type", type)
        return try list.run(afterId: afterId, limit: limit, in: session)
    }

    /// The `limit` most recently acknowledged alerts, latest acknowledgement first.
    public static func recentlyAcknowledged(limit: Int, in session: PGSession) throws -> [RenderedRow] {
        try session.query("""
            SELECT x.id, to_jsonb(x)::text AS j FROM alert_logs x WHERE x.acknowledged_at IS NOT NULL
            ORDER BY x.acknowledged_at DESC, x.id DESC LIMIT \(limit)
            """).renderedRows
    }

    /// The client's newest `limit` alerts, the open ones first.
    public static func latest(clientId: String, limit: Int, in session: PGSession) throws -> [RenderedRow] {
        try session.query("""
            SELECT x.id, to_jsonb(x)::text AS j FROM alert_logs x WHERE x.client_id = \(clientId)
            ORDER BY (x.acknowledged_at IS NULL) DESC, x.id DESC LIMIT \(limit)
            """).renderedRows
    }

    /// Ids of the client's open payment-gate alerts (those a gate opening acknowledges), in order.
    public static func openGateAlertIds(clientId: String, in session: PGSession) throws -> [Int64] {
        try session.query("""
            SELECT id FROM alert_logs
            WHERE client_id = \(clientId) AND alert_type = 'PAYMENT_GATE' AND acknowledged_at IS NULL ORDER BY id
            """).rows.compactMap { $0.int64("id") }
    }

    /// An alert locked for an operator's acknowledgement: what the audit row records of it.
    public struct LockedAlert: Sendable, Hashable {
        public let id: Int64
        public let clientId: String?
        public let alertType: String?
        public let resolution: String?
        public let isAcknowledged: Bool
    }

    /// Locks the alert `FOR UPDATE` in the caller's transaction; `nil` when there is no such id.
    public static func lockForAcknowledgement(alertId: Int64, in session: PGSession) throws -> LockedAlert? {
        try session.query("""
            SELECT client_id, alert_type, resolution, acknowledged_at IS NOT NULL AS acknowledged
            FROM alert_logs WHERE id = \(alertId) FOR UPDATE
            """).first.map { row in
            LockedAlert(id: alertId, clientId: row.string("client_id"), alertType: row.string("alert_type"),
                        resolution: row.string("resolution"), isAcknowledged: row.bool("acknowledged") == true)
        }
    }

    /// An alert just acknowledged by an operator.
    public struct AcknowledgedAlert: Sendable, Hashable {
        /// The alert row as `to_jsonb` renders it.
        public let json: String
        /// `acknowledged_at` as PostgreSQL renders it in JSON.
        public let acknowledgedAt: String?
    }

    /// Records an operator's acknowledgement of a locked, open alert (the table's trigger allows
    /// setting these fields once). `nil` when there is no such alert.
    public static func acknowledge(alertId: Int64, by adminId: String, resolution: String, in session: PGSession) throws -> AcknowledgedAlert? {
        try session.query("""
            UPDATE alert_logs x SET acknowledged_at = now(), acknowledged_by = \(adminId), resolution = \(resolution)
            WHERE x.id = \(alertId)
            RETURNING to_jsonb(x)::text AS j, to_jsonb(x.acknowledged_at) #>> '{}' AS acknowledged_at
            """).first.map { AcknowledgedAlert(json: $0.string("j") ?? "{}", acknowledgedAt: $0.string("acknowledged_at")) }
    }
}
