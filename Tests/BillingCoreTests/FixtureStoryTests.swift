import BillingCore
import BillingTestSupport
import Testing

@Suite struct FixtureStoryTests {
    /// README table: `client_billing.status` after each of the 11 files, applied in order.
    static let expectedStatuses: [BillingStatus] = [
        .pending, .trialing, .trialing, .active, .active, .pastDue, .pastDue, .unpaid, .active, .active, .canceled,
    ]

    private func story(_ version: String) throws -> [BillingEvent] {
        try Fixtures.storyFiles(version).map { try Fixtures.event(version, $0) }
    }

    private struct Run {
        var billing = ClientBilling(clientId: "clt_acme")
        var controls = ClientControls()
        var decisions: [BillingDecision] = []

        mutating func apply(_ event: BillingEvent) {
            let decision = BillingStateMachine.decide(
                billing: billing, controls: controls, event: event, now: event.created + 1, expectedLivemode: false)
            billing = decision.billing
            controls = decision.controls
            decisions.append(decision)
        }
    }

    private func expectFinalRow(_ run: Run) {
        let billing = run.billing
        #expect(billing.stripeCustomerId == "cus_SQm4fT8ZkWq1Lb")
        #expect(billing.stripeSubscriptionId == "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc")
        #expect(billing.paymentSource == .stripe && billing.status == .canceled)
        #expect(billing.trialStartedAt == 1_748_855_707 && billing.trialEndsAt == 1_750_065_307)
        #expect(billing.currentPeriodStart == 1_752_657_307 && billing.currentPeriodEnd == 1_755_335_707)
        #expect(!billing.cancelAtPeriodEnd && billing.canceledAt == 1_754_844_129)
        #expect(billing.lastEventId == "evt_1RudJ1Gx8ZkQ2aXpZf4t1Wm3")
        #expect(run.controls.paymentGateAlertCount == 3)
        #expect(run.decisions.flatMap(\.alerts).map(\.severity) == [.warning, .critical, .info])
    }

    /// Delivered in order, each fixture file leaves the status the README lists, and the final row matches it.
    @Test(arguments: Fixtures.versions) func storyInOrder(version: String) throws {
        var run = Run()
        let events = try story(version)
        #expect(events.count == 11)
        for (event, expected) in zip(events, Self.expectedStatuses) {
            run.apply(event)
            #expect(run.billing.status == expected, "after \(event.id) (\(event.type))")
        }
        #expect(run.decisions.map(\.outcome) == [
            .applied, .applied, .ignored, .applied, .noChange, .applied, .applied, .applied, .applied, .applied, .applied,
        ])
        // 07 and 10 change no status but copy the new period / Stripe status: `applied`, with no second alert.
        #expect(run.decisions[6].alerts.isEmpty && run.decisions[6].transition == nil)
        #expect(run.decisions[8].acknowledgement?.resolution.contains("evt_1RrgW2Gx8ZkQ2aXpVb9n5Ru6") == true)
        #expect(run.decisions[8].controls.paymentGateAlertedStates.isEmpty)
        expectFinalRow(run)
    }

    /// The same-second pairs 01/02, 06/07 and 09/10 delivered reversed reach the same statuses and final row.
    @Test(arguments: Fixtures.versions) func sameSecondPairsReversed(version: String) throws {
        var events = try story(version)
        for (first, second) in [(0, 1), (5, 6), (8, 9)] { events.swapAt(first, second) }
        var run = Run()
        for (index, event) in events.enumerated() {
            run.apply(event)
            if ![0, 5, 8].contains(index) {  // mid-pair the status may be the pair's second state already
                #expect(run.billing.status == Self.expectedStatuses[index], "after \(event.id) (\(event.type))")
            }
        }
        expectFinalRow(run)
    }

    /// The $0 trial invoice paid in the same second as checkout and trialing snapshot leaves the client TRIALING.
    @Test(arguments: Fixtures.versions, [0, 1, 2]) func zeroTrialInvoice(version: String, position: Int) throws {
        let story = try story(version)
        let zeroInvoice = BillingEvent(
            id: "evt_zero_trial_invoice", type: "invoice.paid", created: 1_748_855_707, livemode: false,
            kind: .invoice(InvoiceSignal(
                signal: .paid, invoiceId: "in_1RVkq2Gx8ZkQ2aXpT0r1aL9e", customerId: "cus_SQm4fT8ZkWq1Lb",
                subscriptionId: "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc", billingReason: "subscription_create",
                amountPaid: 0, invoiceCreated: 1_748_855_707)))
        for order in [[story[0], story[1]], [story[1], story[0]]] {
            var events = order
            events.insert(zeroInvoice, at: position)
            var run = Run()
            events.forEach { run.apply($0) }
            #expect(run.billing.status == .trialing && run.billing.paymentSource == .stripe)
            #expect(run.billing.latestInvoiceId == "in_1RVkq2Gx8ZkQ2aXpT0r1aL9e")
        }
    }
}
