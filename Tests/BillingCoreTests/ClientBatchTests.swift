import BillingCore
import Testing

/// `ClientBatch`: a batch applied in memory gives what applying its events one by one gives.
@Suite struct ClientBatchTests {
    static func client(_ id: String, customer: String? = nil, sub: String? = nil, status: BillingStatus = .pending) -> ClientState {
        var billing = ClientBilling(clientId: id, status: status, paymentSource: customer == nil ? .none : .stripe)
        billing.stripeCustomerId = customer
        billing.stripeSubscriptionId = sub
        return ClientState(billing: billing, controls: ClientControls())
    }

    @Test func eventsOfOneClientChainLikeOneByOne() {
        let events = [
            Make.checkout(created: Make.t0 + 1),
            Make.snapshot(.trialing, created: Make.t0 + 2, trialStart: Make.t0, trialEnd: Make.t0 + 100),
            Make.snapshot(.active, created: Make.t0 + 3, periodStart: Make.t0, periodEnd: Make.t0 + 1000),
            Make.invoice(.paymentFailed, created: Make.t0 + 4),
            Make.snapshot(.pastDue, created: Make.t0 + 5),
        ]
        var batch = ClientBatch(clients: [Self.client(Make.client)])
        var billing = Self.client(Make.client).billing
        var controls = ClientControls()
        for event in events {
            let expected = BillingStateMachine.decide(billing: billing, controls: controls, event: event, now: Make.now)
            (billing, controls) = (expected.billing, expected.controls)
            #expect(batch.apply(event, now: Make.now, expectedLivemode: nil) == .decided(clientId: Make.client, decision: expected))
        }
        #expect(batch.clients[Make.client]?.billing.status == .pastDue)
        #expect(batch.clients[Make.client]?.controls.paymentGateAlertCount == 1)
    }

    @Test func aLinkMadeEarlierInTheBatchResolvesLaterEvents() {
        var batch = ClientBatch(clients: [Self.client(Make.client)])
        // Before the checkout links cus_1, an event naming only the customer resolves to nobody.
        #expect(batch.apply(Make.invoice(.paid, sub: nil, created: Make.t0), now: Make.now, expectedLivemode: nil) == .unresolved)
        guard case .decided(let id, let decision) = batch.apply(Make.checkout(created: Make.t0 + 1), now: Make.now, expectedLivemode: nil)
        else { Issue.record("the checkout did not resolve by its client_reference_id"); return }
        #expect(id == Make.client && decision.linkedCustomerId == Make.customer)
        #expect(batch.resolve(ClientResolutionKeys(customerId: Make.customer, subscriptionId: nil, candidateClientIds: [])) == Make.client)
        #expect(batch.resolve(ClientResolutionKeys(customerId: nil, subscriptionId: "sub_A", candidateClientIds: [])) == Make.client)
    }

    @Test func resolutionOrderIsCustomerThenSubscriptionThenCandidates() {
        let batch = ClientBatch(clients: [
            Self.client("clt_a", customer: "cus_a"), Self.client("clt_b", sub: "sub_b"), Self.client("clt_c"),
        ])
        #expect(batch.resolve(ClientResolutionKeys(customerId: "cus_a", subscriptionId: "sub_b", candidateClientIds: ["clt_c"])) == "clt_a")
        #expect(batch.resolve(ClientResolutionKeys(customerId: "cus_x", subscriptionId: "sub_b", candidateClientIds: ["clt_c"])) == "clt_b")
        #expect(batch.resolve(ClientResolutionKeys(customerId: "cus_x", subscriptionId: "sub_x", candidateClientIds: ["clt_z", "clt_c"])) == "clt_c")
        #expect(batch.resolve(ClientResolutionKeys(customerId: "cus_x", subscriptionId: "sub_x", candidateClientIds: ["clt_z"])) == nil)
    }

    @Test func linkingAnIdAnotherClientHoldsIsConflictedAndNotApplied() {
        // clt_b checks out subscription sub_b, which clt_a holds: the database's unique constraint would
        // refuse it, so that event fails alone and the batch goes on without it.
        let clients = [Self.client("clt_a", sub: "sub_b"), Self.client("clt_b", customer: "cus_b")]
        var batch = ClientBatch(clients: clients)
        let before = batch.clients
        let checkout = Make.checkout(sub: "sub_b", customer: "cus_b", clientReferenceId: "clt_b", created: Make.t0 + 1)
        #expect(batch.apply(checkout, now: Make.now, expectedLivemode: nil)
                == .conflicted(clientId: "clt_b", stripeId: "sub_b", holder: "clt_a"))
        #expect(batch.clients == before, "nothing of the conflicted decision was applied")
        #expect(batch.resolve(ClientResolutionKeys(customerId: nil, subscriptionId: "sub_b", candidateClientIds: [])) == "clt_a")
    }
}
