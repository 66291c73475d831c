/// What the console's overview shows (issues 10 and 18), read in one transaction. Each count is
/// served by an index or an estimate, so the page stays cheap with a log of millions of events.
public enum OverviewStore {
    /// The overview's figures.
    public struct Overview: Sendable {
        /// Clients per effective status (PENDING for a client without its `client_billing` row).
        public var clientsPerStatus: [String: Int] = [:]
        /// Events per waiting or stopped status (`EventQueue.waitingCounts`); settled ones are not counted.
        public var eventsPerStatus: [String: Int] = [:]
        /// The newest failed events, without their bodies.
        public var failedEvents: [RenderedRow] = []
        public var alertsLastDay = 0
        public var openAlerts = 0
        /// `billing_events` rows, PostgreSQL's estimate (`pg_class.reltuples`): counting them all scans the log.
        public var storedEstimate: Int64 = 0
        /// Events per hour since the chart's first hour, oldest first.
        public var hourly: [(hour: Int64, counts: EventHourlyStore.Counts)] = []
        /// Events waiting to be processed (`received`, `retry`).
        public var queue = EventQueue.Waiting(count: 0, ageSeconds: 0)
        /// Events waiting for their client (`unmatched`).
        public var unmatched = EventQueue.Waiting(count: 0, ageSeconds: 0)
        /// Gate closings and reopenings per UTC day since the chart's first day, oldest first.
        public var gateDays: [(day: Int64, closings: Int, reopenings: Int)] = []
        /// The database's clock (Unix seconds): the charts' time axis.
        public var now: Int64 = 0
    }

    /// Reads the overview in the caller's transaction.
    /// - Parameters:
    ///   - failedLimit: how many of the newest failed events to list.
    ///   - chartStarts: the first hour of the events chart and the first day of the gate chart
    ///     (Unix seconds), given the database's clock.
    public static func read(
        failedLimit: Int, chartStarts: (_ now: Int64) -> (firstHour: Int64, firstDay: Int64), in session: PGSession
    ) throws -> Overview {
        var o = Overview()
        for row in try session.query("""
            SELECT COALESCE(b.status::text, 'PENDING') AS status, count(*) AS count
            FROM clients c LEFT JOIN client_billing b ON b.client_id = c.id GROUP BY 1
            """).rows {
            o.clientsPerStatus[row.string("status") ?? ""] = row.int("count") ?? 0
        }
        // Only the waiting and stopped statuses are counted (their partial index); the settled bulk of the
        // log is estimated, so the overview does not scan a log of millions of events.
        o.eventsPerStatus = try EventQueue.waitingCounts(in: session)
        o.storedEstimate = try session.query("""
            SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'billing_events'::regclass
            """).first?.int64("n") ?? 0
        o.now = try session.query("SELECT extract(epoch FROM now())::bigint AS now").first?.int64("now") ?? 0
        let (firstHour, firstDay) = chartStarts(o.now)
        o.hourly = try EventHourlyStore.hours(since: firstHour, in: session)
        o.queue = try EventQueue.oldestWaiting(statuses: ["received", "retry"], in: session)
        o.unmatched = try EventQueue.oldestWaiting(statuses: ["unmatched"], in: session)
        o.gateDays = try StatusHistoryStore.gateChangesPerDay(since: firstDay, in: session)
        o.failedEvents = try session.query("""
            SELECT x.id, \(unsafeSQL: EventLogStore.summaryJSON)::text AS j FROM billing_events x
            WHERE x.status = 'failed' ORDER BY x.id DESC LIMIT \(failedLimit)
            """).renderedRows
        let alerts = try session.query("""
            SELECT count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS day,
                   count(*) FILTER (WHERE acknowledged_at IS NULL) AS open
            FROM alert_logs
            """).first
        o.alertsLastDay = alerts?.int("day") ?? 0
        o.openAlerts = alerts?.int("open") ?? 0
        return o
    }
}
