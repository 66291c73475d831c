/// `billing_event_hourly`: events received, processed and failed per hour, for the console's chart.
/// Replicas add their in-memory counts every few seconds (one upsert per hour bucket); nothing is
/// written per event.
public enum EventHourlyStore {
    /// Counts of one hour, keyed by the hour's start (Unix seconds, a multiple of 3600).
    public struct Counts: Sendable, Hashable {
        public var received: Int64 = 0
        public var processed: Int64 = 0
        public var failed: Int64 = 0

        public init(received: Int64 = 0, processed: Int64 = 0, failed: Int64 = 0) {
            self.received = received
            self.processed = processed
            self.failed = failed
        }

        public var isEmpty: Bool { received == 0 && processed == 0 && failed == 0 }

        /// Adds `other`'s counts to these.
        public mutating func add(_ other: Counts) {
            received += other.received
            processed += other.processed
            failed += other.failed
        }
    }

    /// Adds `counts` to their hours' rows (creating them), in one statement.
    public static func add(_ counts: [Int64: Counts], in session: PGSession) throws {
        let hours = counts.keys.sorted()
        guard !hours.isEmpty else { return }
        let text = { (values: [Int64]) in values.map { String($0) as String? } }
        try session.prepared("add_event_hourly", """
            INSERT INTO billing_event_hourly AS h (hour, received, processed, failed)
            SELECT to_timestamp(v.hour), v.received, v.processed, v.failed
            FROM unnest(\(array: text(hours))::bigint[], \(array: text(hours.map { counts[$0]!.received }))::bigint[],
                        \(array: text(hours.map { counts[$0]!.processed }))::bigint[],
                        \(array: text(hours.map { counts[$0]!.failed }))::bigint[]) AS v(hour, received, processed, failed)
            ON CONFLICT (hour) DO UPDATE SET received = h.received + EXCLUDED.received,
                processed = h.processed + EXCLUDED.processed, failed = h.failed + EXCLUDED.failed
            """)
    }

    /// The hours since `since` (Unix seconds) that have counts, oldest first (the primary key's range).
    public static func hours(since: Int64, in session: PGSession) throws -> [(hour: Int64, counts: Counts)] {
        try session.prepared("event_hourly_since", """
            SELECT extract(epoch FROM hour)::bigint AS hour, received, processed, failed
            FROM billing_event_hourly WHERE hour >= to_timestamp(\(since)) ORDER BY hour
            """).rows.map { r in
            (r.int64("hour") ?? 0, Counts(received: r.int64("received") ?? 0, processed: r.int64("processed") ?? 0,
                                         failed: r.int64("failed") ?? 0))
        }
    }
}
