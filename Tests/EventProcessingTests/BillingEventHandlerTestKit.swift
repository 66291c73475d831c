import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import StripeJSON

/// Builders and database helpers for `BillingEventHandlerTests`: events rendered as Stripe bodies, stored
/// through `IngestWriter`, processed by the real queue and handler.
enum HandlerKit {
    static let t0: Int64 = 1_750_000_000
    static let customer = "cus_1"

    static func snapshot(
        _ status: StripeSubscriptionStatus, sub: String = "sub_A", at created: Int64, id: String? = nil,
        customer: String? = HandlerKit.customer, clientId: String? = nil, livemode: Bool = false,
        type: String = "customer.subscription.updated"
    ) -> BillingEvent {
        BillingEvent(
            id: id ?? "evt_\(sub)_\(status.rawValue)_\(created)", type: type, created: created, livemode: livemode,
            kind: .subscription(SubscriptionSnapshot(
                id: sub, customerId: customer, status: status, currentPeriodStart: created, currentPeriodEnd: created + 2_592_000,
                canceledAt: status.isCanceled ? created : nil, metadataClientId: clientId)))
    }

    static func invoice(
        _ signal: InvoiceSignal.Signal, sub: String = "sub_A", invoiceId: String = "in_1", amount: Int64 = 4_900,
        at created: Int64, reason: String = "subscription_cycle", subscriptionClientId: String? = nil
    ) -> BillingEvent {
        BillingEvent(
            id: "evt_\(invoiceId)_\(signal == .paid ? "paid" : "failed")_\(created)",
            type: signal == .paid ? "invoice.paid" : "invoice.payment_failed", created: created, livemode: false,
            kind: .invoice(InvoiceSignal(
                signal: signal, invoiceId: invoiceId, customerId: customer, subscriptionId: sub, billingReason: reason,
                amountPaid: signal == .paid ? amount : 0, invoiceCreated: created,
                subscriptionMetadataClientId: subscriptionClientId)))
    }

    static func checkout(sub: String = "sub_A", client: String = "clt_1", at created: Int64) -> BillingEvent {
        BillingEvent(
            id: "evt_checkout_\(sub)_\(created)", type: "checkout.session.completed", created: created, livemode: false,
            kind: .checkoutCompleted(CheckoutCompletion(
                sessionId: "cs_\(sub)", customerId: customer, subscriptionId: sub, clientReferenceId: client)))
    }

    static func addClient(_ pool: PGPool, _ id: String = "clt_1") async throws {
        _ = try await pool.withConnection { s in try s.query("INSERT INTO clients (id, business_name) VALUES (\(id), 'Test')") }
    }

    /// Stores `events` as `IngestWriter` does (in the given API shape), in order.
    static func store(_ pool: PGPool, _ events: BillingEvent..., shape: StripeEventRenderer.Shape = .basil) async throws {
        let writer = IngestWriter(pool: pool)
        for event in events {
            let body = StripeEventRenderer.render(event, shape: shape)
            _ = try await writer.store(IncomingEvent(
                envelope: try EventEnvelope(decoding: body), payload: String(decoding: body, as: UTF8.self), source: .webhook))
        }
    }

    /// Runs batches until nothing is due.
    static func process(_ pool: PGPool, livemode: Bool? = nil) async throws {
        let handler = BillingEventHandler(livemode: livemode)
        while try await pool.withConnection({ s in
            try EventQueue().processBatch(handler: handler, in: s, now: Int64(Date().timeIntervalSince1970), clock: { 0 }).claimed
        }) > 0 {}
    }

    /// `status`, `outcome`, `attempts` and `client_id` of one stored event.
    static func event(_ pool: PGPool, _ id: String) async throws -> PGRow? {
        try await pool.withConnection { s in
            try s.query("SELECT status, outcome, attempts, client_id FROM billing_events WHERE stripe_event_id = \(id)").first
        }
    }

    static func billing(_ pool: PGPool, _ client: String = "clt_1") async throws -> PGRow? {
        try await pool.withConnection { s in
            try s.query("""
                SELECT status::text AS status, payment_source::text AS source, stripe_customer_id, stripe_subscription_id,
                       last_event_id FROM client_billing WHERE client_id = \(client)
                """).first
        }
    }

    /// Everything processing may change, as text (timestamps the worker stamps with `now()` left out).
    static func state(_ pool: PGPool) async throws -> [String] {
        try await pool.withConnection { s in
            try s.query("""
                SELECT (to_jsonb(b) - 'updated_at')::text AS r FROM client_billing b
                UNION ALL SELECT (to_jsonb(c) - 'updated_at')::text FROM client_controls c
                UNION ALL SELECT to_jsonb(a)::text FROM alert_logs a
                ORDER BY 1
                """).rows.map { $0.string("r") ?? "" }
        }
    }
}
