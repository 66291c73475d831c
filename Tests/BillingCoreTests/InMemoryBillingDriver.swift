import BillingCore
import BillingTestSupport

/// A test-only stand-in for the database adapter: stores events once per id, resolves clients, runs decisions,
/// keeps an alert log with acknowledgements, and re-queues `superseded` / `unmatched` events on the decision's
/// signals, oldest `created` first, as the processor's claim order would.
struct InMemoryBillingDriver {
    struct StoredEvent {
        var event: BillingEvent
        var status: EventStatus
        var outcome: BillingOutcome?
        var clientId: String?
        var processedCount = 0
    }

    struct AlertRow {
        var alert: AlertToAppend
        var acknowledgedBy: String?
        var resolution: String?
    }

    /// A rule the driver saw broken while processing.
    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    let clients: Set<String>
    var billing: [String: ClientBilling] = [:]
    var controls: [String: ClientControls] = [:]
    var events: [String: StoredEvent] = [:]
    var alerts: [AlertRow] = []
    var violations: [String] = []
    /// Closed states alerted in each client's current episode, as observed from decisions.
    private var episodeAlerts: [String: [BillingStatus]] = [:]
    /// Issue 14's ordering invariants per client, checked after every processed event.
    private var ordering: [String: OrderingInvariants] = [:]
    private var queue: [String] = []
    var now: Int64 = 2_000_000_000

    init(clients: Set<String>) {
        self.clients = clients
    }

    /// A webhook delivery: stored once per event id, then processed (with whatever it re-queues).
    mutating func deliver(_ event: BillingEvent) {
        guard events[event.id] == nil else { return }
        events[event.id] = StoredEvent(event: event, status: .received)
        queue.append(event.id)
        drain()
    }

    /// An operator mutes or unmutes a client's alerts (admin API).
    mutating func setMuted(_ muted: Bool, client: String) {
        controls[client, default: ClientControls()].opsAlertsMuted = muted
    }

    private mutating func drain() {
        var steps = 0
        while !queue.isEmpty {
            steps += 1
            guard steps < 10_000 else { violations.append("re-queue loop did not settle"); return }
            queue.sort { lhs, rhs in
                let (a, b) = (events[lhs]!.event, events[rhs]!.event)
                return (a.created, a.id) < (b.created, b.id)
            }
            process(queue.removeFirst())
        }
    }

    private func resolve(_ keys: ClientResolutionKeys) -> String? {
        if let customer = keys.customerId,
           let hit = billing.values.first(where: { $0.stripeCustomerId == customer }) { return hit.clientId }
        if let subscription = keys.subscriptionId,
           let hit = billing.values.first(where: { $0.stripeSubscriptionId == subscription }) { return hit.clientId }
        return keys.candidateClientIds.first(where: clients.contains)
    }

    private mutating func process(_ id: String) {
        var stored = events[id]!
        stored.processedCount += 1
        guard stored.event.kind != .ignored else {
            stored.status = .ignored
            stored.outcome = .ignored
            events[id] = stored
            return
        }
        guard let clientId = resolve(stored.event.resolutionKeys) else {
            stored.status = .unmatched
            events[id] = stored
            return
        }
        now += 1
        let before = (billing[clientId] ?? ClientBilling(clientId: clientId), controls[clientId] ?? ClientControls())
        let decision = BillingStateMachine.decide(billing: before.0, controls: before.1, event: stored.event, now: now)
        check(decision, clientId: clientId, mutedBefore: before.1.opsAlertsMuted, event: stored.event)
        var invariants = ordering[clientId] ?? OrderingInvariants(clientId: clientId)
        let known = invariants.violations.count
        invariants.record(stored.event, outcome: decision.outcome, statusBefore: before.0.status)
        invariants.check(decision.billing, at: stored.event.id)
        violations += invariants.violations.dropFirst(known)
        ordering[clientId] = invariants
        billing[clientId] = decision.billing
        controls[clientId] = decision.controls
        alerts += decision.alerts.map { AlertRow(alert: $0) }
        if let acknowledgement = decision.acknowledgement {
            for index in alerts.indices
            where alerts[index].alert.type == .paymentGate && alerts[index].alert.clientId == clientId
                && alerts[index].acknowledgedBy == nil {
                alerts[index].acknowledgedBy = acknowledgement.acknowledgedBy
                alerts[index].resolution = acknowledgement.resolution
            }
        }
        stored.status = decision.outcome.eventStatus
        stored.outcome = decision.outcome
        stored.clientId = clientId
        events[id] = stored
        if decision.requeuesSupersededEvents {
            requeue { $0.clientId == clientId && $0.outcome == .superseded }
        }
        if let customer = decision.linkedCustomerId {
            requeue { $0.status == .unmatched && $0.event.customerId == customer }
        }
        checkOpenGateAlerts(clientId: clientId)
    }

    private mutating func requeue(where predicate: (StoredEvent) -> Bool) {
        for (id, stored) in events where predicate(stored) && !queue.contains(id) {
            events[id]!.status = .received
            queue.append(id)
        }
    }

    /// Per-decision invariants: no alert while muted, each closed state once per episode, re-deciding changes nothing.
    private mutating func check(_ decision: BillingDecision, clientId: String, mutedBefore: Bool, event: BillingEvent) {
        if mutedBefore && !decision.alerts.isEmpty { violations.append("alert while muted: \(event.id)") }
        for alert in decision.alerts {
            guard let state = alert.metadata["to"].flatMap(BillingStatus.init(rawValue:)) else { continue }
            if episodeAlerts[clientId, default: []].contains(state) {
                violations.append("\(state) alerted twice in one episode for \(clientId) at \(event.id)")
            }
            episodeAlerts[clientId, default: []].append(state)
        }
        if let transition = decision.transition, transition.to.paymentGate == .open { episodeAlerts[clientId] = [] }
        let again = BillingStateMachine.decide(billing: decision.billing, controls: decision.controls, event: event, now: now + 1)
        if again.billing != decision.billing || again.controls != decision.controls || !again.alerts.isEmpty {
            violations.append("processing \(event.id) twice changed something")
        }
    }

    /// Once a client's gate is open, none of its payment-gate alerts may remain unacknowledged.
    private mutating func checkOpenGateAlerts(clientId: String) {
        guard billing[clientId]?.status.paymentGate == .open else { return }
        let open = alerts.filter { $0.alert.type == .paymentGate && $0.alert.clientId == clientId && $0.acknowledgedBy == nil }
        if !open.isEmpty { violations.append("\(open.count) open gate alerts while \(clientId) is open") }
        if alerts.contains(where: { $0.acknowledgedBy != nil && $0.acknowledgedBy != "system" }) {
            violations.append("an alert was acknowledged by someone other than system")
        }
    }
}
