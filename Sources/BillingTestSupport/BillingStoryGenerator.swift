import BillingCore
import Foundation

/// Generates realistic Stripe stories for property tests: per client one customer, 1–3 subscriptions one after
/// another (each but possibly the last ends canceled before or in the second the next starts), checkouts,
/// $0 trial invoices, renewals, failures and recoveries, `trial_will_end` noise, and same-second events.
public struct BillingStoryGenerator: Sendable {
    private var random: SeededGenerator

    public init(seed: UInt64) {
        random = SeededGenerator(state: seed)
    }

    /// One client's events in Stripe's `created` order, and whether its alerts start muted.
    public struct ClientStory: Sendable {
        public var clientId: String
        public var events: [BillingEvent]
        public var mutedAtStart: Bool
    }

    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    private mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    /// Stories of `count` clients, `clt_0` … .
    public mutating func clients(count: Int) -> [ClientStory] {
        (0..<count).map { story(client: $0) }
    }

    /// The story of client `clt_<index>` (customer `cus_<index>`).
    public mutating func story(client index: Int) -> ClientStory {
        let clientId = "clt_\(index)"
        let customer = "cus_\(index)"
        var time: Int64 = 1_750_000_000 + Int64(index) * 7
        var events: [BillingEvent] = []
        var serial = 0
        func nextId(_ kind: String) -> String {
            serial += 1
            return "evt_\(index)_\(String(format: "%03d", serial))_\(kind)"
        }
        let useMetadataLink = chance(30)
        let subscriptionCount = Int.random(in: 1...3, using: &random)
        for number in 0..<subscriptionCount {
            let sub = "sub_\(index)_\(number)"
            let metadataClient = useMetadataLink ? clientId : nil
            func snapshot(_ status: StripeSubscriptionStatus, at created: Int64, type: String = "customer.subscription.updated")
                -> BillingEvent
            {
                BillingEvent(
                    id: nextId("sub"), type: type, created: created, livemode: false,
                    kind: .subscription(SubscriptionSnapshot(
                        id: sub, customerId: customer, status: status, currentPeriodStart: created,
                        currentPeriodEnd: created + 2_592_000, canceledAt: status.isCanceled ? created : nil,
                        metadataClientId: metadataClient)))
            }
            func invoice(_ signal: InvoiceSignal.Signal, _ invoiceId: String, amount: Int64, invoiceCreated: Int64,
                         at created: Int64, reason: String = "subscription_cycle") -> BillingEvent
            {
                BillingEvent(
                    id: nextId("inv"), type: signal == .paid ? "invoice.paid" : "invoice.payment_failed",
                    created: created, livemode: false,
                    kind: .invoice(InvoiceSignal(
                        signal: signal, invoiceId: invoiceId, customerId: customer, subscriptionId: sub,
                        billingReason: reason, amountPaid: signal == .paid ? amount : 0,
                        invoiceCreated: invoiceCreated, subscriptionMetadataClientId: metadataClient)))
            }
            if !useMetadataLink || chance(40) {
                events.append(BillingEvent(
                    id: nextId("checkout"), type: "checkout.session.completed", created: time, livemode: false,
                    kind: .checkoutCompleted(CheckoutCompletion(
                        sessionId: "cs_\(sub)", customerId: customer, subscriptionId: sub, clientReferenceId: clientId))))
            }
            var status: StripeSubscriptionStatus = pick([.trialing, .trialing, .incomplete, .active])
            events.append(snapshot(status, at: time, type: "customer.subscription.created"))
            if status == .trialing {
                events.append(invoice(.paid, "in_\(sub)_0", amount: 0, invoiceCreated: time, at: time, reason: "subscription_create"))
            }
            var cycle = 0
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                time += chance(15) ? 0 : Int64.random(in: 1...100_000, using: &random)
                if chance(10) {
                    events.append(BillingEvent(id: nextId("noise"), type: "customer.subscription.trial_will_end",
                                               created: time, livemode: false, kind: .ignored))
                }
                let next: StripeSubscriptionStatus
                switch status {
                case .incomplete: next = pick([.active, .active, .incompleteExpired])
                case .trialing: next = pick([.active, .pastDue, .paused])
                case .active: next = pick([.active, .pastDue])
                case .pastDue: next = pick([.active, .unpaid, .pastDue, .canceled])
                case .unpaid: next = pick([.active, .canceled])
                case .paused: next = pick([.active, .canceled])
                case .canceled, .incompleteExpired: next = status
                }
                if next.isCanceled && status.isCanceled { break }
                cycle += 1
                let invoiceId = "in_\(sub)_\(cycle)"
                switch next {
                case .active where status != .active || chance(50):
                    events.append(invoice(.paid, invoiceId, amount: 4_900, invoiceCreated: time, at: time))
                case .pastDue:
                    events.append(invoice(.paymentFailed, invoiceId, amount: 0, invoiceCreated: time, at: time))
                default: break
                }
                events.append(snapshot(next, at: time + (chance(50) ? 0 : 1)))
                status = next
                time += 1
                if status.isCanceled { break }
            }
            let isLast = number == subscriptionCount - 1
            if !status.isCanceled && (!isLast || chance(40)) {
                time += Int64.random(in: 1...50_000, using: &random)
                events.append(snapshot(.canceled, at: time, type: "customer.subscription.deleted"))
            }
            time += chance(30) ? 0 : Int64.random(in: 1...50_000, using: &random)
        }
        return ClientStory(clientId: clientId, events: events, mutedAtStart: chance(25))
    }

    /// All events of all clients, shuffled, with random duplicates.
    public mutating func deliveries(of stories: [ClientStory]) -> [BillingEvent] {
        var all = stories.flatMap(\.events)
        for event in all where chance(15) { all.append(event) }
        all.shuffle(using: &random)
        return all
    }

    /// The client whose mute an operator toggles before the next delivery, if any (5 % of deliveries).
    public mutating func clientToToggleMute(among stories: [ClientStory]) -> String? {
        chance(5) ? pick(stories).clientId : nil
    }
}

/// A deterministic generator (SplitMix64), so generated stories and jitter can be pinned in tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
