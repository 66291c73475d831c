import BillingCore
import Foundation
import StripeJSON

/// Builders for events and rows used across the core's tests.
enum Make {
    /// A Stripe `created` time, unix seconds.
    static let t0: Int64 = 1_750_000_000
    /// The processing clock used when a test does not care.
    static let now: Int64 = 1_800_000_000
    static let customer = "cus_1"
    static let client = "clt_1"

    static func snapshot(
        _ status: StripeSubscriptionStatus, sub: String = "sub_A", customer: String? = Make.customer,
        created: Int64, id: String? = nil, trialStart: Int64? = nil, trialEnd: Int64? = nil,
        periodStart: Int64? = nil, periodEnd: Int64? = nil, cancelAtPeriodEnd: Bool = false,
        canceledAt: Int64? = nil, collectionPaused: Bool = false, livemode: Bool = false,
        type: String = "customer.subscription.updated"
    ) -> BillingEvent {
        BillingEvent(
            id: id ?? "evt_\(sub)_\(status.rawValue)_\(created)", type: type, created: created, livemode: livemode,
            kind: .subscription(SubscriptionSnapshot(
                id: sub, customerId: customer, status: status, trialStart: trialStart, trialEnd: trialEnd,
                currentPeriodStart: periodStart, currentPeriodEnd: periodEnd, cancelAtPeriodEnd: cancelAtPeriodEnd,
                canceledAt: canceledAt, collectionPaused: collectionPaused)))
    }

    static func invoice(
        _ signal: InvoiceSignal.Signal, sub: String? = "sub_A", invoiceId: String = "in_1",
        reason: String? = "subscription_cycle", amountPaid: Int64 = 4900, invoiceCreated: Int64? = nil,
        created: Int64, id: String? = nil
    ) -> BillingEvent {
        let type = signal == .paid ? "invoice.paid" : "invoice.payment_failed"
        return BillingEvent(
            id: id ?? "evt_\(invoiceId)_\(type)_\(created)", type: type, created: created, livemode: false,
            kind: .invoice(InvoiceSignal(
                signal: signal, invoiceId: invoiceId, customerId: customer, subscriptionId: sub,
                billingReason: reason, amountPaid: signal == .paid ? amountPaid : 0,
                invoiceCreated: invoiceCreated ?? created)))
    }

    static func checkout(
        sub: String? = "sub_A", customer: String? = Make.customer, clientReferenceId: String? = Make.client,
        created: Int64, id: String? = nil
    ) -> BillingEvent {
        BillingEvent(
            id: id ?? "evt_checkout_\(sub ?? "none")_\(created)", type: "checkout.session.completed",
            created: created, livemode: false,
            kind: .checkoutCompleted(CheckoutCompletion(
                sessionId: "cs_1", customerId: customer, subscriptionId: sub, clientReferenceId: clientReferenceId)))
    }

    /// A client on a live Stripe subscription `sub` in `status`, watermark at `watermark`.
    static func billing(
        _ status: BillingStatus, sub: String? = "sub_A", stripeStatus: StripeSubscriptionStatus? = nil,
        source: PaymentSource = .stripe, watermark: Int64? = t0, customer: String? = Make.customer
    ) -> ClientBilling {
        var billing = ClientBilling(clientId: client, status: status, paymentSource: source)
        billing.stripeCustomerId = customer
        billing.stripeSubscriptionId = sub
        billing.stripeSubscriptionStatus = stripeStatus ?? defaultStripeStatus(for: status)
        billing.lastEventCreatedAt = watermark
        billing.lastEventId = watermark.map { "evt_watermark_\($0)" }
        return billing
    }

    private static func defaultStripeStatus(for status: BillingStatus) -> StripeSubscriptionStatus {
        switch status {
        case .pending: .incomplete
        case .trialing: .trialing
        case .active: .active
        case .pastDue: .pastDue
        case .unpaid: .unpaid
        case .paused: .paused
        case .canceled: .canceled
        }
    }
}

/// Decide with the test clock.
func decide(
    _ billing: ClientBilling, _ event: BillingEvent, controls: ClientControls = ClientControls(),
    now: Int64 = Make.now, livemode: Bool? = nil
) -> BillingDecision {
    BillingStateMachine.decide(billing: billing, controls: controls, event: event, now: now, expectedLivemode: livemode)
}
