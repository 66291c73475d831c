import BillingCore

extension EventQueue {
    /// Re-queues every `unmatched` event that names a client id which exists now (SPEC §5: events
    /// naming a client id are processed once that client appears), and every one whose awaited
    /// client ids were never recorded (parked by a replica of the previous version during a rolling
    /// update). Returns how many.
    ///
    /// The trigger of migration 0011 does this when a client is inserted; this sweep is the safety
    /// net for clients that arrived without firing it (logical replication, a restore, an insert at
    /// REPEATABLE READ). It reads only the unmatched events (the partial status index), never the
    /// whole log.
    @discardableResult
    public static func releaseEventsAwaitingExistingClients(in session: PGSession) throws -> Int {
        try session.prepared("release_awaiting_clients", """
            UPDATE billing_events AS e SET status = 'received', next_attempt_at = now()
            WHERE e.status = 'unmatched'
              AND (e.awaited_client_ids IS NULL
                   OR EXISTS (SELECT 1 FROM clients c WHERE c.id = ANY(e.awaited_client_ids)))
            RETURNING e.id
            """).count
    }
}

extension EventQueue {
    /// How many events wait in `statuses`, and how long the oldest of them has waited.
    public struct Waiting: Sendable, Hashable {
        public var count: Int
        /// Seconds since the oldest one was received (0 when none waits).
        public var ageSeconds: Double

        public init(count: Int, ageSeconds: Double) {
            self.count = count
            self.ageSeconds = ageSeconds
        }
    }

    /// Counts the events in `statuses` and finds the oldest, through the partial index of waiting
    /// statuses (`billing_events_waiting_status_idx`): the cost follows the waiting events, not the log.
    public static func oldestWaiting(statuses: [String], in session: PGSession) throws -> Waiting {
        let row = try session.prepared("oldest_waiting", """
            SELECT count(*) AS n, extract(epoch FROM now() - min(received_at))::float8 AS age
            FROM billing_events WHERE status = ANY(\(statuses)::text[]) AND status NOT IN ('processed', 'ignored')
            """).first
        let count = row?.int("n") ?? 0
        return Waiting(count: count, ageSeconds: count == 0 ? 0 : max(0, row?.double("age") ?? 0))
    }
}

extension EventQueue {
    /// The number of events per waiting or stopped status (`received`, `processing`, `retry`,
    /// `unmatched`, `failed`), through their partial index: settled events (`processed`, `ignored`)
    /// are the log's bulk and grow forever, so they are never counted (the metrics gauge and the
    /// console's overview both read this).
    public static func waitingCounts(in session: PGSession) throws -> [String: Int] {
        let rows = try session.prepared("waiting_counts", """
            SELECT status, count(*) AS n FROM billing_events
            WHERE status NOT IN ('processed', 'ignored')
            GROUP BY status
            """).rows
        return Dictionary(rows.map { ($0.string("status") ?? "?", $0.int("n") ?? 0) }, uniquingKeysWith: +)
    }
}
