import BillingCore
import Foundation
import StripeJSON

/// Renders a `BillingEvent` as the JSON body Stripe would deliver, in either API shape, so that generated
/// stories can travel through ingest and the stored-payload decoder like real deliveries.
///
/// `BillingEvent.decode(payload: render(event, shape))` gives `event` back for every event the story
/// generator produces (the property tests check this round trip).
public enum StripeEventRenderer {
    /// The two API shapes the decoder reads (SPEC §5: by shape, not by version string).
    public enum Shape: String, CaseIterable, Sendable {
        /// Periods at the subscription's top level; an invoice's subscription under `subscription`.
        case legacy = "2024-06-20"
        /// Periods on the subscription items; an invoice's subscription under `parent.subscription_details`.
        case basil = "2025-03-31.basil"
    }

    /// The event's body bytes.
    public static func render(_ event: BillingEvent, shape: Shape) -> [UInt8] {
        let object: [String: Any]
        switch event.kind {
        case .subscription(let snapshot): object = subscription(snapshot, shape: shape)
        case .invoice(let invoice): object = self.invoice(invoice, shape: shape)
        case .checkoutCompleted(let checkout): object = self.checkout(checkout)
        case .ignored: object = ["id": "obj_\(event.id)", "object": "subscription", "status": "trialing"]
        }
        let body: [String: Any] = [
            "id": event.id, "object": "event", "api_version": shape.rawValue, "created": event.created,
            "livemode": event.livemode, "pending_webhooks": 1, "type": event.type,
            "data": ["object": object], "request": ["id": NSNull(), "idempotency_key": NSNull()],
        ]
        let data = try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Array(data)
    }

    private static func orNull(_ value: Any?) -> Any { value ?? NSNull() }

    private static func metadata(_ clientId: String?) -> [String: String] {
        clientId.map { ["client_id": $0] } ?? [:]
    }

    static func subscription(_ s: SubscriptionSnapshot, shape: Shape) -> [String: Any] {
        var item: [String: Any] = ["id": "si_\(s.id)", "object": "subscription_item", "quantity": 1, "subscription": s.id]
        var object: [String: Any] = [
            "id": s.id, "object": "subscription", "customer": orNull(s.customerId), "status": s.status.rawValue,
            "trial_start": orNull(s.trialStart), "trial_end": orNull(s.trialEnd),
            "cancel_at_period_end": s.cancelAtPeriodEnd, "canceled_at": orNull(s.canceledAt),
            "pause_collection": s.collectionPaused ? ["behavior": "void", "resumes_at": NSNull()] as [String: Any] : NSNull(),
            "metadata": metadata(s.metadataClientId), "livemode": false, "collection_method": "charge_automatically",
        ]
        switch shape {
        case .legacy:
            object["current_period_start"] = orNull(s.currentPeriodStart)
            object["current_period_end"] = orNull(s.currentPeriodEnd)
        case .basil:
            item["current_period_start"] = orNull(s.currentPeriodStart)
            item["current_period_end"] = orNull(s.currentPeriodEnd)
        }
        object["items"] = ["object": "list", "data": [item], "has_more": false, "total_count": 1]
        return object
    }

    static func invoice(_ i: InvoiceSignal, shape: Shape) -> [String: Any] {
        var object: [String: Any] = [
            "id": i.invoiceId, "object": "invoice", "customer": orNull(i.customerId),
            "billing_reason": orNull(i.billingReason), "amount_paid": i.amountPaid, "amount_due": max(i.amountPaid, 4_900),
            "created": i.invoiceCreated, "metadata": metadata(i.metadataClientId), "currency": "usd",
            "status": i.signal == .paid ? "paid" : "open",
        ]
        switch shape {
        case .legacy:
            object["subscription"] = orNull(i.subscriptionId)
            object["subscription_details"] = ["metadata": metadata(i.subscriptionMetadataClientId)]
        case .basil:
            if let sub = i.subscriptionId {
                let details: [String: Any] = ["metadata": metadata(i.subscriptionMetadataClientId), "subscription": sub]
                object["parent"] = ["type": "subscription_details", "quote_details": NSNull(), "subscription_details": details]
            } else {
                object["parent"] = NSNull()
            }
        }
        return object
    }

    static func checkout(_ c: CheckoutCompletion) -> [String: Any] {
        [
            "id": c.sessionId, "object": "checkout.session", "mode": "subscription", "status": "complete",
            "customer": orNull(c.customerId), "subscription": orNull(c.subscriptionId),
            "client_reference_id": orNull(c.clientReferenceId), "metadata": metadata(c.metadataClientId),
        ]
    }
}
