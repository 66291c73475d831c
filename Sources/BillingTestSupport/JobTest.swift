import BillingCore
import BillingPostgres
import Foundation
import StripeJSON
import Synchronization

/// Shared set-up of the tests that work on a database without the HTTP app (operator jobs, the
/// event queue and handler, and some server tests): a fresh database, Stripe-shaped events,
/// storing and processing them as production does.
public enum JobTest {
    public static let t0: Int64 = 1_750_000_000

    /// Runs `body` with a pool on a fresh migrated database.
    public static func withPool<T: Sendable>(
        size: Int = 4, _ body: @escaping @Sendable (PGPool) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withFresh { url in try await PGPool.using(url: url, size: size, body) }
    }

    public static func createClient(_ pool: PGPool, _ id: String) async throws {
        _ = try await pool.withConnection { try $0.query("INSERT INTO clients (id, business_name) VALUES (\(id), \(id + " Inc"))") }
    }

    /// Inserts a client as logical replication or a restore does: without firing triggers.
    public static func createClientWithoutTriggers(_ pool: PGPool, _ id: String) async throws {
        _ = try await pool.withConnection { s in
            try s.execute(script: "SET session_replication_role = replica")
            defer { try? s.execute(script: "RESET session_replication_role") }
            try s.query("INSERT INTO clients (id, business_name) VALUES (\(id), \(id + " Inc"))")
        }
    }

    /// Stores events as the webhook would (source `webhook`), without processing them.
    public static func store(_ pool: PGPool, _ bodies: [String], source: EventSource = .webhook) async throws {
        let events = try bodies.map { body in
            IncomingEvent(envelope: try EventEnvelope(decoding: Array(body.utf8)), payload: body, source: source)
        }
        _ = try await pool.withTransaction { try EventLogStore.insertUndelivered(events, in: $0) }
    }

    /// Stores a minimal `invoice.created` event as a first webhook delivery leaves it (through the
    /// one insert of event rows): `received`, due now, `delivery_count` 1.
    public static func insertReceivedEvent(_ pool: PGPool, id: String) async throws {
        let body = #"{"id":"\#(id)","object":"event","type":"invoice.created","created":1750000000,"api_version":"2025-03-31.basil","livemode":false,"data":{"object":{"id":"in_1","object":"invoice","customer":"cus_1"}}}"#
        let event = IncomingEvent(envelope: try EventEnvelope(decoding: Array(body.utf8)), payload: body, source: .webhook)
        _ = try await pool.withTransaction { try EventLogStore.insert([NewEventRow(event: event, deliveries: 1)], in: $0) }
    }

    /// One batch of `queue` with `handler`, at time 0.
    public static func processBatch(_ pool: PGPool, _ queue: EventQueue, _ handler: some EventHandler) async throws -> BatchReport {
        try await pool.withConnection { s in try queue.processBatch(handler: handler, in: s, now: 0, clock: { 0 }) }
    }

    /// Processes due events with the production handler until none is due.
    public static func processAll(_ pool: PGPool) async throws {
        while try await pool.withConnection({ s in
            try EventQueue().processBatch(handler: BillingEventHandler(livemode: nil), in: s, now: t0 + 1_000, clock: { 0 })
        }).claimed > 0 {}
    }

    public static func checkout(id: String, created: Int64, client: String, customer: String, subscription: String) -> String {
        #"{"id":"\#(id)","object":"event","api_version":"2025-03-31.basil","created":\#(created),"livemode":false,"type":"checkout.session.completed","data":{"object":{"id":"cs_\#(id)","object":"checkout.session","customer":"\#(customer)","subscription":"\#(subscription)","client_reference_id":"\#(client)","metadata":{}}}}"#
    }

    public static func subscriptionEvent(id: String, created: Int64, type: String = "customer.subscription.updated", subscription: String,
                                  customer: String, status: String, periodEnd: Int64, cancelAtPeriodEnd: Bool = false,
                                  clientId: String? = nil) -> String {
        var sub = FakeStripe.subscription(id: subscription, customer: customer, status: status, periodEnd: periodEnd,
                                          cancelAtPeriodEnd: cancelAtPeriodEnd)
        if let clientId { sub = sub.replacingOccurrences(of: #""metadata":{}"#, with: #""metadata":{"client_id":"\#(clientId)"}"#) }
        return FakeStripe.subscriptionEvent(id: id, created: created, type: type, subscription: sub)
    }

    /// A client linked to `cus_<n>`/`sub_<n>` and in `status` through processed events.
    public static func seedClient(_ pool: PGPool, _ client: String, n: Int, status: String, periodEnd: Int64,
                           created: Int64 = t0) async throws {
        try await createClient(pool, client)
        try await store(pool, [
            checkout(id: "evt_co_\(n)", created: created, client: client, customer: "cus_\(n)", subscription: "sub_\(n)"),
            subscriptionEvent(id: "evt_su_\(n)", created: created + 1, subscription: "sub_\(n)", customer: "cus_\(n)",
                              status: status, periodEnd: periodEnd),
        ])
        try await processAll(pool)
    }

    /// Everything replay or reconcile could change, as comparable text (timestamps included).
    public static func snapshot(_ pool: PGPool) async throws -> [String] {
        try await pool.withConnection { s in
            var out: [String] = []
            for sql in ["SELECT to_jsonb(x) - 'received_at' AS j FROM billing_events x ORDER BY id",
                        "SELECT to_jsonb(x) AS j FROM client_billing x ORDER BY client_id",
                        "SELECT to_jsonb(x) AS j FROM client_controls x ORDER BY client_id",
                        "SELECT to_jsonb(x) AS j FROM alert_logs x ORDER BY id",
                        "SELECT to_jsonb(x) AS j FROM admin_actions x ORDER BY id"] {
                out += try s.query(PGQuery(unsafeSQL: sql)).rows.map { $0.string("j") ?? "" }
            }
            return out
        }
    }

    /// Runs one query on the pool and returns its rows.
    public static func rows(_ pool: PGPool, _ sql: String) async throws -> [PGRow] {
        try await pool.withConnection { try $0.query(PGQuery(unsafeSQL: sql)).rows }
    }

    /// The plan PostgreSQL prints for `explain` (an `EXPLAIN …` statement), its lines joined.
    public static func plan(_ explain: String, in session: PGSession) throws -> String {
        try session.query(PGQuery(unsafeSQL: explain)).rows.compactMap { $0.string("QUERY PLAN") }.joined(separator: "\n")
    }

    /// The `count` column of the first row of `sql`, or -1.
    public static func count(_ pool: PGPool, _ sql: String) async throws -> Int {
        try await rows(pool, sql).first?.int("count") ?? -1
    }

    /// Polls `condition` until it holds or `seconds` pass.
    public static func eventually(seconds: Double = 30, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// A handler that counts how often each event reached it and processes it as `applied`.
public final class CountingHandler: EventHandler, Sendable {
    public let calls = Mutex<[String: Int]>([:])

    public init() {}

    public func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
        calls.withLock { calls in
            for event in events { calls[event.stripeEventId, default: 0] += 1 }
        }
        return BatchHandling(results: events.map { _ in .success(.decided(.applied, clientId: nil)) })
    }
}
