import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// `BillingEventHandler` + `ClientStateStore` on a real PostgreSQL: the adapter paths the fixture story
/// does not take (SPEC §5, §6).
@Suite struct BillingEventHandlerTests {
    typealias K = HandlerKit

    /// A plan switch by cancel-and-recreate: the new subscription's events are `superseded` while the old one
    /// is live, then re-processed (in `created` order) once it is canceled, and the new one becomes current.
    @Test func supersededEventsApplyWhenTheirSubscriptionBecomesCurrent() async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool)
            try await K.store(pool, K.checkout(at: K.t0), K.snapshot(.active, at: K.t0, type: "customer.subscription.created"))
            try await K.process(pool)
            let newSub = K.snapshot(.active, sub: "sub_B", at: K.t0 + 100, type: "customer.subscription.created")
            let newInvoice = K.invoice(.paid, sub: "sub_B", invoiceId: "in_B", at: K.t0 + 100, reason: "subscription_create")
            try await K.store(pool, newSub, newInvoice)
            try await K.process(pool)
            #expect(try await K.event(pool, newSub.id)?.string("outcome") == "superseded")
            #expect(try await K.event(pool, newInvoice.id)?.string("outcome") == "superseded")
            #expect(try await K.billing(pool)?.string("stripe_subscription_id") == "sub_A")

            try await K.store(pool, K.snapshot(.canceled, at: K.t0 + 101, type: "customer.subscription.deleted"))
            try await K.process(pool)
            let b = try #require(try await K.billing(pool))
            #expect(b.string("stripe_subscription_id") == "sub_B")
            #expect(b.string("status") == "ACTIVE")
            for id in [newSub.id, newInvoice.id] {
                let row = try #require(try await K.event(pool, id))
                #expect(row.string("status") == "processed")
                #expect(["applied", "no_change"].contains(row.string("outcome")), "\(id)")
                #expect(row.int("attempts") == 2, "\(id)")
            }
            // The old subscription's cancellation alerted; the new one reopened the gate and acknowledged it.
            let alerts = try await JobTest.rows(pool, "SELECT acknowledged_by FROM alert_logs WHERE alert_type = 'PAYMENT_GATE'")
            #expect(alerts.map { $0.string("acknowledged_by") } == ["system"])
        }
    }

    /// A returning client: after its subscription was canceled, a new subscription (no checkout) becomes
    /// current, the watermark resets, and the same client row follows it.
    @Test func returningClientAdoptsItsNewSubscription() async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool)
            try await K.store(pool, K.checkout(at: K.t0), K.snapshot(.trialing, at: K.t0, type: "customer.subscription.created"),
                              K.snapshot(.canceled, at: K.t0 + 50, type: "customer.subscription.deleted"))
            try await K.process(pool)
            #expect(try await K.billing(pool)?.string("status") == "CANCELED")
            let comeback = K.snapshot(.active, sub: "sub_B", at: K.t0 + 10_000, type: "customer.subscription.created")
            try await K.store(pool, comeback)
            try await K.process(pool)
            let b = try #require(try await K.billing(pool))
            #expect(b.string("status") == "ACTIVE")
            #expect(b.string("stripe_subscription_id") == "sub_B")
            #expect(b.string("last_event_id") == comeback.id)
            #expect(try await JobTest.count(pool, "SELECT count(*) FROM client_billing") == 1)
            #expect(try await K.event(pool, comeback.id)?.string("outcome") == "applied")
        }
    }

    /// `metadata.client_id` on a subscription resolves the client and links its customer; later events of
    /// that customer resolve by customer id.
    /// A checkout that would link a subscription another client holds fails alone (retried, with the reason
    /// in `last_error`); the events beside it in the same batch settle, and nothing of it is written.
    @Test func linkingAnIdAnotherClientHoldsFailsThatEventAlone() async throws {
        try await JobTest.withPool(size: 4) { pool in
            try await K.addClient(pool, "clt_a")
            try await K.addClient(pool, "clt_b")
            func checkout(customer: String, sub: String, client: String, at created: Int64) -> BillingEvent {
                BillingEvent(
                    id: "evt_checkout_\(client)_\(created)", type: "checkout.session.completed", created: created, livemode: false,
                    kind: .checkoutCompleted(CheckoutCompletion(
                        sessionId: "cs_\(created)", customerId: customer, subscriptionId: sub, clientReferenceId: client)))
            }
            try await K.store(pool, checkout(customer: "cus_a", sub: "sub_b", client: "clt_a", at: K.t0),
                              checkout(customer: "cus_b", sub: "sub_c", client: "clt_b", at: K.t0 + 1))
            try await K.process(pool)
            let taking = checkout(customer: "cus_b", sub: "sub_b", client: "clt_b", at: K.t0 + 10)
            let beside = K.snapshot(.active, sub: "sub_c", at: K.t0 + 11, customer: "cus_b")
            try await K.store(pool, taking, beside)
            let report = try await pool.withConnection { s in
                try EventQueue().processBatch(handler: BillingEventHandler(livemode: nil), in: s, now: K.t0 + 20, clock: { 0 })
            }
            #expect(report.claimed == 2 && report.processed == 1 && report.retried == 1)
            let failed = try await pool.withConnection { s in
                try s.query("SELECT status, attempts, last_error FROM billing_events WHERE stripe_event_id = \(taking.id)").first
            }
            #expect(failed?.string("status") == "retry" && failed?.int("attempts") == 1)
            #expect(failed?.string("last_error") == "the event would link sub_b to client clt_b, but client clt_a holds it")
            #expect(try await K.event(pool, beside.id)?.string("outcome") == "applied")
            #expect(try await K.billing(pool, "clt_a")?.string("stripe_subscription_id") == "sub_b")
            let b = try #require(try await K.billing(pool, "clt_b"))
            #expect(b.string("stripe_subscription_id") == "sub_c" && b.string("status") == "ACTIVE")
        }
    }

    @Test func resolvesThroughSubscriptionMetadata() async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool, "clt_meta")
            let first = K.snapshot(.trialing, at: K.t0, clientId: "clt_meta", type: "customer.subscription.created")
            let second = K.snapshot(.active, at: K.t0 + 60)
            try await K.store(pool, first, second)
            try await K.process(pool)
            let b = try #require(try await K.billing(pool, "clt_meta"))
            #expect(b.string("stripe_customer_id") == K.customer)
            #expect(b.string("status") == "ACTIVE")
            #expect(try await K.event(pool, first.id)?.string("client_id") == "clt_meta")
            #expect(try await K.event(pool, second.id)?.string("client_id") == "clt_meta")
        }
    }

    /// The invoice's subscription metadata (`subscription_details` before basil, `parent.subscription_details`
    /// from basil on) resolves the client.
    @Test(arguments: StripeEventRenderer.Shape.allCases)
    func resolvesThroughTheInvoiceSubscriptionMetadata(_ shape: StripeEventRenderer.Shape) async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool, "clt_inv")
            let paid = K.invoice(.paid, at: K.t0, reason: "subscription_create", subscriptionClientId: "clt_inv")
            try await K.store(pool, paid, shape: shape)
            try await K.process(pool)
            let row = try #require(try await K.event(pool, paid.id))
            #expect(row.string("status") == "processed")
            #expect(row.string("client_id") == "clt_inv")
            let b = try #require(try await K.billing(pool, "clt_inv"))
            #expect(b.string("stripe_customer_id") == K.customer)
            #expect(b.string("stripe_subscription_id") == "sub_A")
            #expect(b.string("status") == "ACTIVE")
        }
    }

    /// A client id absent from `clients` resolves nothing: the event waits `unmatched` and no row is created.
    @Test func unknownClientIdResolvesNothing() async throws {
        try await JobTest.withPool(size: 8) { pool in
            let checkout = K.checkout(client: "clt_ghost", at: K.t0)
            try await K.store(pool, checkout)
            try await K.process(pool)
            let row = try #require(try await K.event(pool, checkout.id))
            #expect(row.string("status") == "unmatched")
            #expect(row.string("outcome") == nil)
            #expect(row.string("client_id") == nil)
            for table in ["client_billing", "client_controls", "onboarding_states"] {
                #expect(try await JobTest.count(pool, "SELECT count(*) FROM \(table)") == 0, "\(table)")
            }
        }
    }

    /// With `STRIPE_LIVEMODE=true`, a test-mode event is stored and `ignored`; it resolves and links nothing.
    @Test func otherLivemodeIsStoredAndIgnored() async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool)
            let checkout = K.checkout(at: K.t0)
            try await K.store(pool, checkout)
            try await K.process(pool, livemode: true)
            let row = try #require(try await K.event(pool, checkout.id))
            #expect(row.string("status") == "ignored")
            #expect(row.string("outcome") == "ignored")
            #expect(try await JobTest.count(pool, "SELECT count(*) FROM client_billing WHERE stripe_customer_id IS NOT NULL") == 0)
        }
    }

    /// A client the main application created (only a `clients` row) gets its `client_billing`,
    /// `client_controls` and `onboarding_states` rows with their defaults when first needed.
    @Test func mainApplicationClientGetsItsCompanionRows() async throws {
        try await JobTest.withPool(size: 8) { pool in
            try await K.addClient(pool)
            try await K.store(pool, K.checkout(at: K.t0))
            try await K.process(pool)
            let b = try #require(try await K.billing(pool))
            #expect(b.string("status") == "PENDING")
            #expect(b.string("source") == "STRIPE")
            let c = try #require(try await JobTest.rows(pool, """
                SELECT ops_alerts_muted, payment_gate_alert_count, payment_gate_alerted_states::text[] AS states
                FROM client_controls WHERE client_id = 'clt_1'
                """).first)
            #expect(c.bool("ops_alerts_muted") == false)
            #expect(c.int("payment_gate_alert_count") == 0)
            #expect(c.array("states") == [])
            let o = try await JobTest.rows(pool, "SELECT current_state, completed_at FROM onboarding_states WHERE client_id = 'clt_1'")
            #expect(o.count == 1)
            #expect(o.first?.string("current_state") == "NOT_STARTED")
        }
    }
}
