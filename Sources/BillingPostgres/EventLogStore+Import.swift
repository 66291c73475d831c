import BillingCore

extension EventLogStore {
    /// Stores events that did not come through the webhook (`ingest`: source `import`;
    /// back-fill: source `backfill`) in the caller's transaction, with `delivery_count` 0.
    ///
    /// Through ``insert(_:in:)``, in chunks of 200: an id already stored changes nothing, not even
    /// its `delivery_count`, which counts webhook deliveries only. When it inserted any, a NOTIFY in
    /// the same transaction wakes the processors at its commit.
    /// - Returns: the Stripe event ids inserted by this call (an id given twice is inserted once).
    public static func insertUndelivered(_ events: [IncomingEvent], in session: PGSession) throws -> Set<String> {
        var inserted = Set<String>()
        var start = 0
        while start < events.count {
            let chunk = events[start..<min(start + 200, events.count)]
            inserted.formUnion(try insert(chunk.map { NewEventRow(event: $0, deliveries: 0) }, in: session))
            start += chunk.count
        }
        if !inserted.isEmpty { try notifyDueEvents(in: session) }
        return inserted
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
