import BillingPostgres
import Foundation

/// Reading rows rendered as JSON (`… AS j`) for the console pages, and the overview's counts.
enum ConsoleQueries {
    /// Each row's `j` column: JSON text, parsed after the transaction by `RowJSON.object`.
    static func texts(_ rows: PGRows) -> [String] {
        rows.rows.compactMap { $0.string("j") }
    }

    /// What the overview shows.
    struct Overview: Sendable {
        var clientsPerStatus: [String: Int] = [:]
        var eventsPerStatus: [String: Int] = [:]
        var failedJSON: [String] = []
        var alertsLastDay = 0
        var openAlerts = 0
        /// `billing_events` rows, PostgreSQL's estimate (`pg_class.reltuples`): counting them all scans the log.
        var storedEstimate: Int64 = 0
        var hourly: [(hour: Int64, counts: EventHourlyStore.Counts)] = []
        var queue = EventQueue.Waiting(count: 0, ageSeconds: 0)
        var unmatched = EventQueue.Waiting(count: 0, ageSeconds: 0)
        var gateDays: [(day: Int64, closings: Int, reopenings: Int)] = []
        /// The database's clock (Unix seconds): the charts' time axis.
        var now: Int64 = 0
    }

    static func overview(in s: PGSession) throws -> Overview {
        var o = Overview()
        for row in try s.query("""
            SELECT COALESCE(b.status::text, 'PENDING') AS status, count(*) AS count
            FROM clients c LEFT JOIN client_billing b ON b.client_id = c.id GROUP BY 1
            """).rows {
            o.clientsPerStatus[row.string("status") ?? ""] = row.int("count") ?? 0
        }
        // Only the waiting and stopped statuses are counted (their partial index); the settled bulk of the
        // log is estimated, so the overview does not scan a log of millions of events.
        o.eventsPerStatus = try EventQueue.waitingCounts(in: s)
        o.storedEstimate = try s.query("""
            SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'billing_events'::regclass
            """).first?.int64("n") ?? 0
        o.now = try s.query("SELECT extract(epoch FROM now())::bigint AS now").first?.int64("now") ?? 0
        o.hourly = try EventHourlyStore.hours(since: OverviewCharts.firstHour(now: o.now), in: s)
        o.queue = try EventQueue.oldestWaiting(statuses: ["received", "retry"], in: s)
        o.unmatched = try EventQueue.oldestWaiting(statuses: ["unmatched"], in: s)
        o.gateDays = try StatusHistoryStore.gateChangesPerDay(since: OverviewCharts.firstDay(now: o.now), in: s)
        o.failedJSON = try s.query("""
            SELECT \(unsafeSQL: EventJSON.summary)::text AS j FROM billing_events x WHERE x.status = 'failed' ORDER BY x.id DESC LIMIT 20
            """).rows.compactMap { $0.string("j") }
        let alerts = try s.query("""
            SELECT count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS day,
                   count(*) FILTER (WHERE acknowledged_at IS NULL) AS open
            FROM alert_logs
            """).first
        o.alertsLastDay = alerts?.int("day") ?? 0
        o.openAlerts = alerts?.int("open") ?? 0
        return o
    }

    /// A payload as indented JSON text with sorted keys (escaped by the template when shown).
    static func pretty(_ payload: Any?) -> String? {
        guard let payload, !(payload is NSNull),
              let data = try? JSONSerialization.data(withJSONObject: payload, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
