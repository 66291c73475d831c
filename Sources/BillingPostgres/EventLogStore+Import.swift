import BillingCore

extension EventLogStore {
    /// Stores events that did not come through the webhook (`ingest`: source `import`;
    /// back-fill: source `backfill`) in the caller's transaction, with `delivery_count` 0.
    ///
    /// An id already stored changes nothing (`ON CONFLICT DO NOTHING`): not even its
    /// `delivery_count`, which counts webhook deliveries only. New rows are `received`, due now,
    /// and a NOTIFY wakes any running processor when the transaction commits.
    /// - Returns: the Stripe event ids inserted by this call (an id given twice is inserted once).
    public static func insertUndelivered(_ events: [IncomingEvent], in session: PGSession) throws -> Set<String> {
        var inserted = Set<String>()
        var start = 0
        while start < events.count {
            let chunk = events[start..<min(start + 200, events.count)]
            inserted.formUnion(try insertChunk(chunk, in: session))
            start += chunk.count
        }
        return inserted
    }

    private static func insertChunk(_ events: ArraySlice<IncomingEvent>, in session: PGSession) throws -> Set<String> {
        var query = PGQuery(unsafeSQL: "")
        var values: [String] = []
        for event in events {
            values.append(query.appendEventRow(event, deliveries: 0, livemode: event.envelope.livemode ?? false))
        }
        query.sql = """
            WITH ins AS (
              INSERT INTO billing_events (stripe_event_id, type, api_version, livemode, stripe_created_at, body,
                                          status, source, delivery_count, stripe_object_id, stripe_customer_id,
                                          stripe_subscription_id)
              VALUES \(values.joined(separator: ", "))
              ON CONFLICT (stripe_event_id) DO NOTHING
              RETURNING stripe_event_id
            )
            SELECT stripe_event_id, pg_notify('\(channel)', '') AS notified FROM ins
            """
        return Set(try session.query(query).rows.compactMap { $0.string("stripe_event_id") })
    }

    /// `prune`: sets `payload = NULL` on up to `limit` `processed` or `ignored` events whose
    /// `processed_at` is before `processedBefore`, keeping the rows (and their ids) so that a
    /// late redelivery is still recognised as a duplicate. Returns how many were pruned.
    public static func prunePayloads(processedBefore: Int64, limit: Int, in session: PGSession) throws -> Int {
        try session.query("""
            UPDATE billing_events SET payload = NULL, body = NULL
            WHERE id IN (
              SELECT id FROM billing_events
              WHERE status IN ('processed', 'ignored') AND (body IS NOT NULL OR payload IS NOT NULL)
                AND processed_at < to_timestamp(\(processedBefore)::bigint)
              ORDER BY id LIMIT \(limit)
              FOR UPDATE SKIP LOCKED)
            """).affectedRows
    }
}
