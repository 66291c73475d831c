import BillingCore
import Synchronization

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
    /// nothing (`ON CONFLICT DO NOTHING`, which does not wait for the processor's row lock on it, but
    /// does wait for a transaction that has updated it and not yet committed, such as a processor
    /// between its settle statement and COMMIT): not even its `delivery_count` (`countDeliveries`
    /// does that). A NOTIFY on ``channel`` wakes processors when the transaction commits. Run as a
    /// prepared statement, one per row count.
    ///
    /// Rows go in in the order of their ids, whatever the caller's order: an insert waits for another
    /// transaction inserting the same id, and two concurrent batches holding two ids in opposite
    /// orders used to wait for each other until PostgreSQL's deadlock check (1 s) failed one of them.
    /// - Returns: the Stripe event ids inserted by this call (an id given twice is inserted once).
    public static func insert(_ rows: some Collection<NewEventRow>, in session: PGSession) throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        var query = PGQuery(unsafeSQL: insertSQL(rowCount: rows.count))
        query.binds.reserveCapacity(rows.count * 11)
        for row in rows.sorted(by: { $0.event.envelope.id < $1.event.envelope.id }) {
            query.appendEventRow(row.event, deliveries: row.deliveries)
        }
        let result = try session.prepared("insert_events_\(rows.count)", query)
        return Set(result.rows.compactMap { $0.string("stripe_event_id") })
    }

    /// Adds each row's webhook deliveries to `delivery_count` of its stored event, waiting for a
    /// processor's lock on it. One single-row statement per event, each its own transaction when the
    /// caller runs outside one (webhook ingest does):
    /// - a statement of one id is planned once per connection; the array form it replaced chose a
    ///   custom plan for its usual one or two ids and was planned again on every call (0.25 ms, about
    ///   a third of what a redelivery cost PostgreSQL);
    /// - no statement holds more than one row, so two counters — or a counter and a replay — never
    ///   wait for each other in opposite orders.
    public static func countDeliveries(_ rows: some Collection<NewEventRow>, in session: PGSession) throws {
        for row in rows {
            try session.prepared("count_delivery", """
                UPDATE billing_events SET delivery_count = delivery_count + \(row.deliveries)::int
                WHERE stripe_event_id = \(row.event.envelope.id)
                """)
        }
    }

    /// `countDeliveries` for the rows no other transaction holds: a row a processor is settling
    /// (locked until its batch commits, which can take tens of milliseconds) is skipped, not waited
    /// for, so a connection is never held idle behind a batch. Each counted row commits on its own
    /// when the caller runs outside a transaction.
    /// - Returns: the rows not counted: their event was locked, or is no longer stored.
    public static func countDeliveriesUnlessLocked(_ rows: some Collection<NewEventRow>, in session: PGSession) throws -> [NewEventRow] {
        var skipped: [NewEventRow] = []
        for row in rows {
            let counted = try session.prepared("count_delivery_unless_locked", """
                UPDATE billing_events SET delivery_count = delivery_count + \(row.deliveries)::int
                WHERE id = (SELECT id FROM billing_events WHERE stripe_event_id = \(row.event.envelope.id) FOR UPDATE SKIP LOCKED)
                """)
            if counted.affectedRows == 0 { skipped.append(row) }
        }
        return skipped
    }
}

extension EventLogStore {
    /// The insert's text for `rowCount` rows (eleven binds per row), made once per row count
    /// (webhook batches reuse a few counts; building it cost every delivery a dozen small strings).
    static func insertSQL(rowCount: Int) -> String {
        if let made = insertSQLs.withLock({ $0[rowCount] }) { return made }
        let values = (0..<rowCount).map { row in
            let p = (1...11).map { "$\(row * 11 + $0)" }
            return "(\(p[0]), \(p[1]), \(p[2]), \(p[3])::boolean, to_timestamp(\(p[4])::bigint), \(p[5]), 'received', "
                + "\(p[6]), \(p[7])::int, \(p[8]), \(p[9]), \(p[10]))"
        }
        let sql = """
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
        insertSQLs.withLock { $0[rowCount] = sql }
        return sql
    }

    private static let insertSQLs = Mutex<[Int: String]>([:])
}

extension PGQuery {
    /// Appends the eleven binds of one `billing_events` row of `event`, in `insertSQL`'s column
    /// order (status `received`; `livemode` as the envelope has it, NULL when absent).
    /// - Parameter deliveries: the row's `delivery_count` (webhook deliveries only).
    fileprivate mutating func appendEventRow(_ event: IncomingEvent, deliveries: Int) {
        let e = event.envelope
        binds += [e.id, e.type, e.apiVersion, e.livemode.map { $0 ? "t" : "f" }, String(e.created), event.payload,
                  event.source.rawValue, String(deliveries), e.objectId, e.customerId, e.subscriptionId]
    }
}
