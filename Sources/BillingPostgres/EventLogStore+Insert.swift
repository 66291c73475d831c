import BillingCore

/// A `billing_events` row to insert: a verified event and the webhook deliveries it counts.
public struct NewEventRow: Sendable {
    public var event: IncomingEvent
    /// The new row's `delivery_count`: webhook deliveries only (0 for `ingest` and back-fill).
    public var deliveries: Int

    public init(event: IncomingEvent, deliveries: Int) {
        self.event = event
        self.deliveries = deliveries
    }
}

extension EventLogStore {
    /// The one INSERT of event rows, for every path that stores events (webhook ingest, `ingest`,
    /// back-fill): in one statement, hence in the caller's transaction and one commit.
    ///
    /// Each new row is `received` and due now, holds the body byte for byte and the envelope's
    /// fields as given — `livemode` NULL when the body has none. An id already stored changes
    /// nothing (`ON CONFLICT DO NOTHING`, which never waits for the processor's lock on it): not
    /// even its `delivery_count`. A NOTIFY on ``channel`` wakes processors when the transaction
    /// commits. Run as a prepared statement, one per row count.
    /// - Returns: the Stripe event ids inserted by this call (an id given twice is inserted once).
    public static func insert(_ rows: some Collection<NewEventRow>, in session: PGSession) throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        var query = PGQuery(unsafeSQL: "")
        query.binds.reserveCapacity(rows.count * 11)
        var values: [String] = []
        values.reserveCapacity(rows.count)
        for row in rows {
            values.append(query.appendEventRow(row.event, deliveries: row.deliveries))
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
        let result = try session.prepared("insert_events_\(rows.count)", query)
        return Set(result.rows.compactMap { $0.string("stripe_event_id") })
    }
}

extension PGQuery {
    /// Appends one `billing_events` row of `event` as binds and returns its `VALUES` tuple
    /// (status `received`; `livemode` as the envelope has it, NULL when absent).
    /// - Parameter deliveries: the row's `delivery_count` (webhook deliveries only).
    fileprivate mutating func appendEventRow(_ event: IncomingEvent, deliveries: Int) -> String {
        let e = event.envelope
        let base = binds.count
        binds += [e.id, e.type, e.apiVersion, e.livemode.map { $0 ? "t" : "f" }, String(e.created), event.payload,
                  event.source.rawValue, String(deliveries), e.objectId, e.customerId, e.subscriptionId]
        let p = (1...11).map { "$\(base + $0)" }
        return "(\(p[0]), \(p[1]), \(p[2]), \(p[3])::boolean, to_timestamp(\(p[4])::bigint), \(p[5]), 'received', "
            + "\(p[6]), \(p[7])::int, \(p[8]), \(p[9]), \(p[10]))"
    }
}
