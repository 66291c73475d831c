import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import HummingbirdTesting
import Synchronization
import Testing

/// SPEC §5: an unmatched event that names a client id is processed automatically, in `created` order, within
/// seconds of that client appearing in `clients` — whether the admin API or the main application created it
/// (issue 14, case 5: the checkout's webhooks arrive before the main application committed the client's row).
@Suite struct EventsBeforeClientTests {
    static let t0: Int64 = 1_760_000_000

    /// The onboarding race: a checkout naming the client, the subscription snapshot and the first paid invoice
    /// (customer only), all delivered before the client exists.
    static func onboarding(client: String) -> [BillingEvent] {
        let (customer, sub) = ("cus_\(client)", "sub_\(client)")
        return [
            BillingEvent(id: "evt_\(client)_1_checkout", type: "checkout.session.completed", created: t0, livemode: false,
                         kind: .checkoutCompleted(CheckoutCompletion(sessionId: "cs_\(client)", customerId: customer,
                                                                     subscriptionId: sub, clientReferenceId: client))),
            BillingEvent(id: "evt_\(client)_2_created", type: "customer.subscription.created", created: t0 + 1, livemode: false,
                         kind: .subscription(SubscriptionSnapshot(id: sub, customerId: customer, status: .active,
                                                                  currentPeriodStart: t0, currentPeriodEnd: t0 + 2_592_000))),
            BillingEvent(id: "evt_\(client)_3_paid", type: "invoice.paid", created: t0 + 1, livemode: false,
                         kind: .invoice(InvoiceSignal(signal: .paid, invoiceId: "in_\(client)", customerId: customer,
                                                      subscriptionId: sub, billingReason: "subscription_create",
                                                      amountPaid: 4_900, invoiceCreated: t0 + 1))),
        ]
    }

    /// Delivers the onboarding events with the processor running and waits until each is parked `unmatched`.
    static func deliverBeforeTheClient(_ client: String, _ http: some TestClientProtocol, _ pool: PGPool) async throws {
        for event in onboarding(client: client) {
            let (status, _) = try await TestApp.deliver(http, StripeEventRenderer.render(event, shape: .basil))
            #expect(status == 200)
        }
        let parked = try await TestApp.eventually(seconds: 20) {
            try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'unmatched'") == 3
        }
        try #require(parked, "the events were not parked as unmatched")
        let awaited = try await TestApp.rows(pool, """
            SELECT awaited_client_ids::text AS ids FROM billing_events WHERE stripe_event_id = 'evt_\(client)_1_checkout'
            """)
        #expect(awaited.first?.string("ids") == "{\(client)}")
    }

    /// After the client appears, the three events settle within seconds and the client is ACTIVE on Stripe.
    static func expectReleased(_ client: String, _ pool: PGPool) async throws {
        let settled = try await TestApp.eventually(seconds: 10) {
            try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'processed'") == 3
        }
        #expect(settled, "the events awaiting \(client) were not processed within 10 s")
        let row = try await TestApp.rows(pool, """
            SELECT status::text AS status, payment_source::text AS source, stripe_customer_id, stripe_subscription_id
            FROM client_billing WHERE client_id = '\(client)'
            """).first
        #expect(row?.string("status") == "ACTIVE" && row?.string("source") == "STRIPE")
        #expect(row?.string("stripe_customer_id") == "cus_\(client)" && row?.string("stripe_subscription_id") == "sub_\(client)")
    }

    @Test func eventsAwaitingAClientAreProcessedWhenTheAdminAPICreatesIt() async throws {
        try await TestApp.withApp(processor: true) { http, pool in
            try await Self.deliverBeforeTheClient("c_admin", http, pool)
            #expect(try await AdminTest.createClient(http, "c_admin").status == 201)
            try await Self.expectReleased("c_admin", pool)
        }
    }

    @Test func eventsAwaitingAClientAreProcessedWhenTheMainApplicationInsertsIt() async throws {
        try await TestApp.withApp(processor: true) { http, pool in
            try await Self.deliverBeforeTheClient("c_bare", http, pool)
            _ = try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('c_bare', 'Bare Co') RETURNING id")
            try await Self.expectReleased("c_bare", pool)
        }
    }

    /// A client that arrives without firing triggers (logical replication, a restore) is found by the processor's
    /// sweep, which re-queues only the events naming an existing client.
    @Test func theSweepReleasesEventsWhoseClientArrivedWithoutTheTrigger() async throws {
        try await TestApp.withApp { http, pool in
            for event in Self.onboarding(client: "c_quiet") + Self.onboarding(client: "c_absent") {
                _ = try await TestApp.deliver(http, StripeEventRenderer.render(event, shape: .legacy))
            }
            let queue = EventQueue(), handler = BillingEventHandler(livemode: nil)
            let report = try await pool.withConnection { s in
                try queue.processBatch(handler: handler, in: s, now: Self.t0, clock: { 0 })
            }
            #expect(report.unmatched == 6)
            _ = try await pool.withConnection { s in
                try s.execute(script: """
                    SET session_replication_role = replica;
                    INSERT INTO clients (id, business_name) VALUES ('c_quiet', 'Replicated');
                    RESET session_replication_role;
                    """)
            }
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'unmatched'") == 6)
            let released = try await pool.withConnection { s in try EventQueue.releaseEventsAwaitingExistingClients(in: s) }
            #expect(released == 1)  // the checkout names the client; the others follow its customer link
            for _ in 0..<5 {
                _ = try await pool.withConnection { s in
                    try queue.processBatch(handler: handler, in: s, now: Self.t0, clock: { 0 })
                }
            }
            let settled = try await TestApp.rows(pool, """
                SELECT stripe_event_id, status FROM billing_events ORDER BY stripe_event_id
                """).map { "\($0.string("stripe_event_id") ?? "")=\($0.string("status") ?? "")" }
            #expect(settled == [
                "evt_c_absent_1_checkout=unmatched", "evt_c_absent_2_created=unmatched", "evt_c_absent_3_paid=unmatched",
                "evt_c_quiet_1_checkout=processed", "evt_c_quiet_2_created=processed", "evt_c_quiet_3_paid=processed",
            ])
        }
    }

    /// The lost wake-up, processor second: while another transaction is inserting the client, the processor
    /// does not park the event (the insert's trigger could not see it) and does not wait for the insert
    /// either (no deadlock with the application): it postpones the event a second, counting no attempt, and
    /// then processes it once the client is committed.
    @Test(arguments: [false, true]) func anEventIsPostponedWhileItsClientIsBeingInserted(batchPath: Bool) async throws {
        try await TestApp.withApp { http, pool in
            let checkout = Self.onboarding(client: "c_race")[0]
            _ = try await TestApp.deliver(http, StripeEventRenderer.render(checkout, shape: .basil))
            let inserter = try await PGConnection.connect(pool.url)
            _ = try await inserter.withSession { s in
                try s.execute(script: "BEGIN; INSERT INTO clients (id, business_name) VALUES ('c_race', 'Racing Co')")
            }
            let handler: any EventHandler = batchPath ? BillingEventHandler(livemode: nil)
                : OneByOneHandler(inner: BillingEventHandler(livemode: nil))
            let before = try await TestApp.rows(pool, "SELECT clock_timestamp()::text AS t").first?.string("t") ?? ""
            let first = try await pool.withConnection { s in
                try EventQueue().processBatch(handler: handler, in: s, now: Self.t0, clock: { 0 })
            }
            #expect(first.postponed == 1 && first.unmatched == 0 && first.processed == 0)
            // Due again a second after the postponement, however long the batch took on a loaded machine.
            let waiting = try await TestApp.rows(pool, """
                SELECT status, attempts, next_attempt_at >= '\(before)'::timestamptz + interval '1 second' AS later
                FROM billing_events
                """).first
            #expect(waiting?.string("status") == "received" && waiting?.int("attempts") == 0 && waiting?.bool("later") == true)
            _ = try await inserter.withSession { s in try s.execute(script: "COMMIT") }
            await inserter.close()
            try await Task.sleep(for: .milliseconds(1_100))
            let second = try await pool.withConnection { s in
                try EventQueue().processBatch(handler: handler, in: s, now: Self.t0, clock: { 0 })
            }
            #expect(second.processed == 1)
            let settled = try await TestApp.rows(pool, "SELECT status, attempts FROM billing_events").first
            #expect(settled?.string("status") == "processed" && settled?.int("attempts") == 1)
        }
    }

    /// The lost wake-up, processor first: an event parked while its client is being inserted is released by
    /// the insert's trigger, which waits for the parking transaction (it holds the client's bucket) and then
    /// sees the parked row.
    @Test func anEventParkedWhileItsClientIsInsertedIsReleased() async throws {
        try await TestApp.withApp { http, pool in
            let checkout = Self.onboarding(client: "c_late2")[0]
            _ = try await TestApp.deliver(http, StripeEventRenderer.render(checkout, shape: .basil))
            let parker = try await PGConnection.connect(pool.url)
            _ = try await parker.withSession { s in
                try s.execute(script: """
                    BEGIN;
                    SELECT pg_advisory_xact_lock(1668050548, hashtext('c_late2') & 1023);
                    UPDATE billing_events SET status = 'unmatched', awaited_client_ids = '{c_late2}';
                    """)
            }
            let insert = Task {
                try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('c_late2', 'Late Co') RETURNING id")
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await parker.withSession { s in try s.execute(script: "COMMIT") }
            await parker.close()
            _ = try await insert.value
            let status = try await TestApp.rows(pool, "SELECT status FROM billing_events").first?.string("status")
            #expect(status == "received")
        }
    }

    /// One statement inserting thousands of clients (a bulk import, a restore) takes at most 1,024 link locks
    /// and releases the events awaiting any of them.
    @Test func aBulkInsertOfClientsReleasesTheirEvents() async throws {
        try await TestApp.withApp { http, pool in
            for client in ["c_bulk_17", "c_bulk_4242"] {
                _ = try await TestApp.deliver(http, StripeEventRenderer.render(Self.onboarding(client: client)[0], shape: .basil))
            }
            _ = try await pool.withConnection { s in
                try EventQueue().processBatch(handler: BillingEventHandler(livemode: nil), in: s, now: Self.t0, clock: { 0 })
            }
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'unmatched'") == 2)
            _ = try await TestApp.rows(pool, """
                INSERT INTO clients (id, business_name) SELECT 'c_bulk_' || g, 'Bulk ' || g FROM generate_series(1, 20000) g RETURNING id
                """)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'received'") == 2)
        }
    }
}
