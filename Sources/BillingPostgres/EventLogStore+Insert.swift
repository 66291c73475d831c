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
    /// does that). It sends no NOTIFY: callers wake processors (``notifyDueEvents(in:)``, or
    /// ``DueEventsNotifier`` after the commit). Run as a prepared statement, one per row count.
    ///
    /// Rows go in in the order of their ids, whatever the caller's order: an insert waits for another
    /// transaction inserting the same id, and two concurrent batches holding two ids in opposite
    /// orders used to wait for each other until PostgreSQL's deadlock check (1 s) failed one of them.
    /// - Returns: the Stripe event ids inserted by this call (an id given twice is inserted once).
    public static func insert(_ rows: some Collection<NewEventRow>, in session: PGSession) throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        let result = try session.prepared("insert_events_\(rows.count)", eventRowsQuery(insertSQL(rowCount: rows.count), rows))
        return Set(result.rows.compactMap { $0.string("stripe_event_id") })
    }

    /// What ``store(_:in:)`` did with each id of its rows.
    public struct StoredRows: Sendable, Equatable {
        /// Ids inserted as new rows.
        public var inserted: Set<String>
        /// Ids stored before whose `delivery_count` this statement raised by the row's deliveries.
        public var counted: Set<String>

        public init(inserted: Set<String>, counted: Set<String>) {
            self.inserted = inserted
            self.counted = counted
        }
    }

    /// Webhook ingest's one statement per batch: ``insert(_:in:)`` of the new ids, then, in the same
    /// statement (hence the same commit), the deliveries of ids stored before added to their
    /// `delivery_count`. A redelivery used to be counted in a transaction and commit of its own, after
    /// the batch: 10 % of the deliveries were 27 % of PostgreSQL's statement time in ingest.
    ///
    /// An id is left for ``countDeliveries(_:in:)`` or ``countDeliveriesUnlessLocked(_:in:)`` —
    /// neither inserted nor counted — when a processor holds its row (`SKIP LOCKED`: the statement
    /// never waits for a row lock) or when it was committed by another transaction after this
    /// statement began (the count reads the statement's snapshot). The insert runs first and the count
    /// after it: the count waits for nobody, so a transaction waiting in its insert for one that has
    /// counted can never be waited for in turn (no deadlock between two batches holding the same ids).
    public static func store(_ rows: some Collection<NewEventRow>, in session: PGSession) throws -> StoredRows {
        guard !rows.isEmpty else { return StoredRows(inserted: [], counted: []) }
        var stored = StoredRows(inserted: [], counted: [])
        for row in try session.prepared("store_events_\(rows.count)", eventRowsQuery(storeSQL(rowCount: rows.count), rows)).rows {
            guard let id = row.string("stripe_event_id") else { continue }
            if row.bool("inserted") == true { stored.inserted.insert(id) } else { stored.counted.insert(id) }
        }
        return stored
    }

    /// Wakes the processors listening on ``channel`` when the caller's transaction commits.
    public static func notifyDueEvents(in session: PGSession) throws {
        try session.prepared("notify_due_events", "SELECT pg_notify('\(unsafeSQL: channel)', '')")
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
    /// `sql` with the eleven binds of each row, rows in the order of their ids (see ``insert(_:in:)``).
    private static func eventRowsQuery(_ sql: String, _ rows: some Collection<NewEventRow>) -> PGQuery {
        var query = PGQuery(unsafeSQL: sql)
        query.binds.reserveCapacity(rows.count * 11)
        for row in rows.sorted(by: { $0.event.envelope.id < $1.event.envelope.id }) {
            query.appendEventRow(row.event, deliveries: row.deliveries)
        }
        return query
    }

    /// The insert's text for `rowCount` rows (eleven binds per row), made once per row count
    /// (webhook batches reuse a few counts; building it cost every delivery a dozen small strings).
    static func insertSQL(rowCount: Int) -> String {
        made(rowCount, in: insertSQLs) {
            insertCTE(rowCount: $0) + """

                SELECT stripe_event_id FROM ins
                """
        }
    }

    /// ``store(_:in:)``'s text for `rowCount` rows: `insertSQL`'s insert, then the count of the same
    /// binds' deliveries for ids stored before (each row's id is bind 1 and its deliveries bind 8 of
    /// its eleven). `UNION ALL` reads the insert's rows before it starts the count.
    static func storeSQL(rowCount: Int) -> String {
        made(rowCount, in: storeSQLs) { rowCount in
            let counts = (0..<rowCount).map { row in "($\(row * 11 + 1), $\(row * 11 + 8)::int)" }
            return insertCTE(rowCount: rowCount) + """
                , held AS (
                  SELECT b.id, d.n FROM (VALUES \(counts.joined(separator: ", "))) AS d(stripe_event_id, n)
                  JOIN billing_events b ON b.stripe_event_id = d.stripe_event_id
                  WHERE d.n > 0
                  FOR UPDATE OF b SKIP LOCKED
                ), counted AS (
                  UPDATE billing_events b SET delivery_count = b.delivery_count + held.n
                  FROM held WHERE b.id = held.id
                  RETURNING b.stripe_event_id
                )
                SELECT stripe_event_id, true AS inserted FROM ins
                UNION ALL
                SELECT stripe_event_id, false FROM counted
                """
        }
    }

    /// `WITH ins AS (INSERT … RETURNING stripe_event_id)` of `rowCount` rows, the start of both statements.
    private static func insertCTE(rowCount: Int) -> String {
        let values = (0..<rowCount).map { row in
            let p = (1...11).map { "$\(row * 11 + $0)" }
            return "(\(p[0]), \(p[1]), \(p[2]), \(p[3])::boolean, to_timestamp(\(p[4])::bigint), \(p[5]), 'received', "
                + "\(p[6]), \(p[7])::int, \(p[8]), \(p[9]), \(p[10]))"
        }
        return """
            WITH ins AS (
              INSERT INTO billing_events (stripe_event_id, type, api_version, livemode, stripe_created_at, body,
                                          status, source, delivery_count, stripe_object_id, stripe_customer_id,
                                          stripe_subscription_id)
              VALUES \(values.joined(separator: ", "))
              ON CONFLICT (stripe_event_id) DO NOTHING
              RETURNING stripe_event_id
            )
            """
    }

    /// The text `cache` holds for `rowCount`, made by `make` the first time.
    private static func made(_ rowCount: Int, in cache: borrowing Mutex<[Int: String]>, _ make: (Int) -> String) -> String {
        if let made = cache.withLock({ $0[rowCount] }) { return made }
        let sql = make(rowCount)
        cache.withLock { $0[rowCount] = sql }
        return sql
    }

    private static let insertSQLs = Mutex<[Int: String]>([:])
    private static let storeSQLs = Mutex<[Int: String]>([:])
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
