import BillingCore
import BillingTestSupport
import Foundation
import StripeJSON
import Testing

@Suite struct BillingEventDecodingTests {
    private func decode(_ json: String) throws(BillingCoreError) -> BillingEvent {
        try BillingEvent.decode(payload: Array(json.utf8))
    }

    private func subscriptionEvent(_ object: String) -> String {
        #"{"id":"evt_x","object":"event","type":"customer.subscription.updated","created":10,"livemode":false,"data":{"object":\#(object)}}"#
    }

    /// The pre-basil snapshot's period is read from the top level.
    @Test func preBasilPeriodIsReadFromTopLevel() throws {
        let event = try Fixtures.event("2024-06-20", "04-customer.subscription.updated.json")
        guard case .subscription(let snapshot) = event.kind else { Issue.record("not a snapshot"); return }
        #expect(snapshot.currentPeriodStart == 1_750_065_307 && snapshot.currentPeriodEnd == 1_752_657_307)
        #expect(snapshot.status == .active && snapshot.id == "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc")
        #expect(snapshot.trialStart == 1_748_855_707 && snapshot.trialEnd == 1_750_065_307)
    }

    /// The basil snapshot's period is read from the subscription items.
    @Test func basilPeriodIsReadFromItems() throws {
        let event = try Fixtures.event("2025-03-31.basil", "04-customer.subscription.updated.json")
        guard case .subscription(let snapshot) = event.kind else { Issue.record("not a snapshot"); return }
        #expect(snapshot.currentPeriodStart == 1_750_065_307 && snapshot.currentPeriodEnd == 1_752_657_307)
    }

    /// With several items (flexible billing) the period is the earliest start and the latest end.
    @Test func multipleItemsGiveEarliestStartAndLatestEnd() throws {
        let event = try decode(subscriptionEvent(#"""
            {"id":"sub_1","customer":"cus_1","status":"active","cancel_at_period_end":true,"canceled_at":99,
             "pause_collection":{"behavior":"void","resumes_at":null},"metadata":{"client_id":"clt_9"},
             "items":{"data":[{"current_period_start":20,"current_period_end":50},
                              {"current_period_start":10,"current_period_end":40}]}}
            """#))
        guard case .subscription(let snapshot) = event.kind else { Issue.record("not a snapshot"); return }
        #expect(snapshot.currentPeriodStart == 10 && snapshot.currentPeriodEnd == 50)
        #expect(snapshot.cancelAtPeriodEnd && snapshot.canceledAt == 99 && snapshot.collectionPaused)
        #expect(snapshot.metadataClientId == "clt_9" && snapshot.trialStart == nil)
    }

    /// An expanded customer object is read by its id.
    @Test func expandedCustomerIsReadById() throws {
        let event = try decode(subscriptionEvent(#"{"id":"sub_1","customer":{"id":"cus_x","object":"customer"},"status":"incomplete_expired"}"#))
        #expect(event.customerId == "cus_x")
        guard case .subscription(let snapshot) = event.kind else { Issue.record("not a snapshot"); return }
        #expect(snapshot.status == .incompleteExpired && !snapshot.collectionPaused)
    }

    /// The invoice's subscription is `subscription` before basil and `parent.subscription_details.subscription` from it on.
    @Test(arguments: Fixtures.versions) func invoiceSubscriptionInBothShapes(version: String) throws {
        let event = try Fixtures.event(version, "05-invoice.paid.json")
        guard case .invoice(let invoice) = event.kind else { Issue.record("not an invoice"); return }
        #expect(invoice.subscriptionId == "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc")
        #expect(invoice.signal == .paid && invoice.amountPaid == 4900 && invoice.invoiceCreated == 1_750_065_307)
        #expect(invoice.billingReason == "subscription_cycle" && invoice.isSubscriptionBillingReason)
        let failed = try Fixtures.event(version, "06-invoice.payment_failed.json")
        guard case .invoice(let failedInvoice) = failed.kind else { Issue.record("not an invoice"); return }
        #expect(failedInvoice.signal == .paymentFailed && failedInvoice.invoiceId == "in_1RlP8dGx8ZkQ2aXpq2Wz5NfU")
    }

    /// The subscription metadata's client id is a candidate in both invoice shapes, after the invoice's own.
    @Test func invoiceSubscriptionMetadataInBothShapes() throws {
        let head = #"{"id":"evt_i","object":"event","type":"invoice.payment_failed","created":5,"livemode":true,"data":{"object":"#
        let preBasil = try decode(head + #"{"id":"in_1","customer":"cus_1","subscription":{"id":"sub_1"},"subscription_details":{"metadata":{"client_id":"clt_sub"}},"metadata":{"client_id":"clt_inv"},"billing_reason":"manual","amount_paid":0,"created":4}}}"#)
        let basil = try decode(head + #"{"id":"in_1","customer":"cus_1","parent":{"type":"subscription_details","subscription_details":{"subscription":"sub_1","metadata":{"client_id":"clt_sub"}}},"billing_reason":"subscription_cycle","amount_paid":0,"created":4}}}"#)
        #expect(preBasil.resolutionKeys == ClientResolutionKeys(customerId: "cus_1", subscriptionId: "sub_1", candidateClientIds: ["clt_inv", "clt_sub"]))
        #expect(basil.resolutionKeys == ClientResolutionKeys(customerId: "cus_1", subscriptionId: "sub_1", candidateClientIds: ["clt_sub"]))
        guard case .invoice(let invoice) = preBasil.kind else { Issue.record("not an invoice"); return }
        #expect(!invoice.isSubscriptionBillingReason)
    }

    /// A completed checkout yields its customer, subscription and `client_reference_id` as resolution keys.
    @Test(arguments: Fixtures.versions) func checkoutResolutionKeys(version: String) throws {
        let event = try Fixtures.event(version, "01-checkout.session.completed.json")
        #expect(event.resolutionKeys == ClientResolutionKeys(
            customerId: "cus_SQm4fT8ZkWq1Lb", subscriptionId: "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc",
            candidateClientIds: ["clt_acme"]))
        #expect(event.created == 1_748_855_707 && !event.livemode)
    }

    /// A type the machine does not act on decodes as ignored with its id, type, created and livemode.
    @Test(arguments: Fixtures.versions) func unknownTypeIsIgnored(version: String) throws {
        let event = try Fixtures.event(version, "03-customer.subscription.trial_will_end.json")
        #expect(event.kind == .ignored && event.id == "evt_1RYsV9Gx8ZkQ2aXpBq5r1Kf8")
        #expect(event.type == "customer.subscription.trial_will_end" && event.created == 1_749_806_119)
        #expect(event.resolutionKeys.isEmpty)
        let minimal = try decode(#"{"id":"evt_c","object":"event","type":"charge.succeeded","created":3,"livemode":true}"#)
        #expect(minimal.kind == .ignored && minimal.livemode)
    }

    /// Bytes that are not a Stripe snapshot event throw `undecodable_event` without echoing the payload.
    @Test(arguments: [
        "not json", #"{"id":"evt_1","object":"v2.core.event","type":"x","created":1,"livemode":false}"#,
        #"{"id":"evt_1","object":"event","type":"invoice.paid","created":1,"livemode":false,"data":{"object":{"id":"in_1"}}}"#,
        #"{"id":"evt_1","object":"event","type":"customer.subscription.updated","created":1,"livemode":false,"data":{"object":{"id":"sub_1","status":"secret_status"}}}"#,
    ]) func badPayloadThrows(json: String) {
        #expect(throws: BillingCoreError.self) { try decode(json) }
        do { _ = try decode(json) } catch {
            #expect(error.code == .undecodableEvent)
            #expect(!error.message.contains("secret_status"))
        }
    }

    /// A subscription fetched from the REST API (reconcile) decodes like an event's object.
    @Test func restSubscriptionDecodes() throws {
        let snapshot = try SubscriptionSnapshot.decode(subscriptionPayload: Array(
            #"{"id":"sub_1","object":"subscription","customer":"cus_1","status":"past_due","items":{"data":[{"current_period_start":1,"current_period_end":2}]}}"#.utf8))
        #expect(snapshot.status == .pastDue && snapshot.currentPeriodEnd == 2)
    }

    /// The export list holds the same basil events, newest first.
    @Test func exportListMatchesBasilFiles() throws {
        let list = try JSONSerialization.jsonObject(with: Fixtures.data("", "export-list.json")) as? [String: Any]
        let items = try #require(list?["data"] as? [[String: Any]])
        let decoded = try items.map { try BillingEvent.decode(payload: [UInt8](JSONSerialization.data(withJSONObject: $0))) }
        let files = try Fixtures.storyFiles("2025-03-31.basil").map { try Fixtures.event("2025-03-31.basil", $0) }
        #expect(decoded.reversed().map(\.id) == files.map(\.id))
        #expect(decoded.reversed().map(\.kind) == files.map(\.kind))
    }

    /// The REST subscription decoder reads a subscription as the event decoder does: the `data.object`
    /// of every subscription event of the fixtures, decoded alone, is the event's snapshot.
    @Test func restSubscriptionMatchesTheEventsSnapshot() throws {
        var compared = 0
        for version in Fixtures.versions {
            for name in try Fixtures.storyFiles(version) {
                guard case .subscription(let snapshot) = try Fixtures.event(version, name).kind else { continue }
                let top = try #require(try JSONSerialization.jsonObject(with: Fixtures.data(version, name)) as? [String: Any])
                let object = try #require((top["data"] as? [String: Any])?["object"])
                let bytes = [UInt8](try JSONSerialization.data(withJSONObject: object))
                #expect(try SubscriptionSnapshot.decode(subscriptionPayload: bytes) == snapshot, "\(version)/\(name)")
                compared += 1
            }
        }
        #expect(compared >= 4)
    }

    /// A refused REST subscription names the top-level member that refused it, never a value.
    @Test func restSubscriptionRefusalNamesTheMember() {
        #expect(throws: BillingCoreError(.undecodableEvent, "status is missing or null")) {
            try SubscriptionSnapshot.decode(subscriptionPayload: Array(#"{"id":"sub_1","object":"subscription"}"#.utf8))
        }
        #expect(throws: BillingCoreError(.undecodableEvent, "status is not a known subscription status")) {
            try SubscriptionSnapshot.decode(subscriptionPayload: Array(#"{"id":"sub_1","status":"secret_status"}"#.utf8))
        }
        #expect(throws: BillingCoreError(.undecodableEvent, "the payload is not valid JSON")) {
            try SubscriptionSnapshot.decode(subscriptionPayload: Array(#"{"id":"sub_1","#.utf8))
        }
    }
}
