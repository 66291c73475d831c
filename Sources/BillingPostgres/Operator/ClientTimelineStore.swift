/// What a client's status timeline on its console page is drawn from (issue 18): its status
/// history, its creation time, its admin actions and alerts (through their client indexes), and
/// the database's clock.
public enum ClientTimelineStore {
    /// An admin action or an alert of the client, shown as a marker on the timeline.
    public struct Marker: Sendable, Hashable {
        public enum Kind: String, Sendable {
            case admin, alert
        }

        public let kind: Kind
        /// Unix seconds (microseconds kept as the fraction).
        public let at: Double
        /// `<action> by <admin>`, or `<type> <severity>: <message>`.
        public let label: String
    }

    /// The timeline's inputs.
    public struct Timeline: Sendable {
        /// The newest history rows, oldest first.
        public let history: [StatusHistoryStore.Entry]
        /// When the client row was created (Unix seconds); `nil` when there is no such client.
        public let createdAt: Double?
        /// The newest admin actions and the newest alerts.
        public let markers: [Marker]
        /// The database's clock (Unix seconds).
        public let now: Double?
    }

    /// Reads a client's timeline in the caller's transaction.
    /// - Parameters:
    ///   - historyLimit: how many of the newest history rows to read.
    ///   - markerLimit: how many of the newest admin actions, and of the newest alerts, to read.
    public static func read(clientId: String, historyLimit: Int, markerLimit: Int, in session: PGSession) throws -> Timeline {
        let history = try StatusHistoryStore.latest(clientId: clientId, limit: historyLimit, in: session)
        let clock = try session.query("""
            SELECT extract(epoch FROM now())::float8 AS now,
                   (SELECT extract(epoch FROM created_at)::float8 FROM clients WHERE id = \(clientId)) AS created
            """).first
        let markers = try session.query("""
            (SELECT 'admin' AS kind, extract(epoch FROM created_at)::float8 AS at, action || ' by ' || admin_id AS label
             FROM admin_actions WHERE client_id = \(clientId) ORDER BY id DESC LIMIT \(markerLimit))
            UNION ALL
            (SELECT 'alert', extract(epoch FROM created_at)::float8, alert_type || ' ' || severity || ': ' || message
             FROM alert_logs WHERE client_id = \(clientId) ORDER BY id DESC LIMIT \(markerLimit))
            """).rows.compactMap { r -> Marker? in
            guard let kind = r.string("kind").flatMap(Marker.Kind.init(rawValue:)), let at = r.double("at") else { return nil }
            return Marker(kind: kind, at: at, label: r.string("label") ?? "")
        }
        return Timeline(history: history, createdAt: clock?.double("created"), markers: markers, now: clock?.double("now"))
    }
}
