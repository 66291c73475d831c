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

/// What `EventLogStore.insert` did with its rows' Stripe event ids.
public struct EventInsertResult: Sendable, Equatable {
    /// Ids inserted by the statement: new events.
    public var inserted: Set<String> = []
    /// Ids stored before whose webhook deliveries the statement added to `delivery_count`.
    public var counted: Set<String> = []

    public init(inserted: Set<String> = [], counted: Set<String> = []) {
        self.inserted = inserted
        self.counted = counted
    }
}

extension EventLogStore {
    /// The one INSERT of event rows, for every path that stores events (webhook ingest, `ingest`,
    /// back-fill): in one statement, hence in the caller's transaction and one commit.
    ///
    /// Each new row is `received` and due now, holds the body byte for byte and the envelope's
    /// fields as given — `livemode` NULL when the body has none. An id already stored keeps its row
    /// (`ON CONFLICT DO NOTHING`, which never waits for the processor's lock on it); the same
    /// statement adds the row's webhook deliveries to that stored event's `delivery_count` when the
    /// stored row is not locked right now (`SKIP LOCKED`: a processor settling it). Ids neither
    /// inserted nor counted (locked, or inserted by a transaction this statement's snapshot does not
    /// see) are left to `countDeliveries`, which waits. A NOTIFY on ``channel`` wakes processors when
    /// the transaction commits. Run as a prepared statement, one per row count.
    public static func insert(_ rows: some Collection<NewEventRow>, in session: PGSession) throws -> EventInsertResult {
        guard !rows.isEmpty else { return EventInsertResult() }
        var query = PGQuery(unsafeSQL: insertSQL(rowCount: rows.count))
        query.binds.reserveCapacity(rows.count * 11 + 2)
        var redelivered: [String?] = [], deliveries: [String?] = []
        for row in rows {
            query.appendEventRow(row.event, deliveries: row.deliveries)
            if row.deliveries > 0 {
                redelivered.append(row.event.envelope.id)
                deliveries.append(String(row.deliveries))
            }
        }
        query.binds += [PGArray.literal(redelivered), PGArray.literal(deliveries)]
        let result = try session.prepared("insert_events_\(rows.count)", query)
        var answer = EventInsertResult()
        for row in result.rows {
            guard let id = row.string("stripe_event_id") else { continue }
            if row.bool("inserted") == true { answer.inserted.insert(id) } else { answer.counted.insert(id) }
        }
        return answer
    }

    /// Adds each row's webhook deliveries to `delivery_count` of its stored event, waiting for a
    /// processor's lock on it. Locks the rows in id order first, so two writers counting the same
    /// events cannot deadlock.
    public static func countDeliveries(_ rows: some Collection<NewEventRow>, in session: PGSession) throws {
        let ids = rows.map(\.event.envelope.id)
        let counts = rows.map { String($0.deliveries) }
        try session.prepared("count_deliveries", """
            WITH locked AS (
              SELECT id FROM billing_events WHERE stripe_event_id = ANY(\(ids)::text[]) ORDER BY id FOR UPDATE)
            UPDATE billing_events AS e SET delivery_count = e.delivery_count + v.n
            FROM unnest(\(ids)::text[], \(counts)::int[]) AS v(stripe_event_id, n)
            WHERE e.stripe_event_id = v.stripe_event_id AND e.id IN (SELECT id FROM locked)
            """)
    }
}

extension EventLogStore {
    /// The insert's text for `rowCount` rows (binds: eleven per row, then the redelivered ids and
    /// their delivery counts as two arrays), made once per row count (webhook batches reuse a few
    /// counts; building it cost every delivery a dozen small strings).
    static func insertSQL(rowCount: Int) -> String {
        if let made = insertSQLs.withLock({ $0[rowCount] }) { return made }
        let values = (0..<rowCount).map { row in
            let p = (1...11).map { "$\(row * 11 + $0)" }
            return "(\(p[0]), \(p[1]), \(p[2]), \(p[3])::boolean, to_timestamp(\(p[4])::bigint), \(p[5]), 'received', "
                + "\(p[6]), \(p[7])::int, \(p[8]), \(p[9]), \(p[10]))"
        }
        let ids = "$\(rowCount * 11 + 1)::text[]", counts = "$\(rowCount * 11 + 2)::int[]"
        // `counted` runs on the statement's snapshot, which does not hold the rows `ins` inserts: it
        // reaches only events stored before.
        let sql = """
            WITH ins AS (
              INSERT INTO billing_events (stripe_event_id, type, api_version, livemode, stripe_created_at, body,
                                          status, source, delivery_count, stripe_object_id, stripe_customer_id,
                                          stripe_subscription_id)
              VALUES \(values.joined(separator: ", "))
              ON CONFLICT (stripe_event_id) DO NOTHING
              RETURNING stripe_event_id
            ), counted AS (
              UPDATE billing_events AS e SET delivery_count = e.delivery_count + v.n
              FROM unnest(\(ids), \(counts)) AS v(stripe_event_id, n)
              WHERE e.stripe_event_id = v.stripe_event_id
                AND e.id IN (SELECT id FROM billing_events WHERE stripe_event_id = ANY(\(ids)) FOR UPDATE SKIP LOCKED)
              RETURNING e.stripe_event_id
            )
            SELECT stripe_event_id, true AS inserted, pg_notify('\(channel)', '') AS notified FROM ins
            UNION ALL
            SELECT stripe_event_id, false, NULL FROM counted
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
