import BillingCore
import StripeJSON

/// The processor's handler: decodes stored events, resolves their clients, runs the billing state
/// machine on the clients' locked rows and writes the decisions (SPEC §5, §6).
///
/// One path for any number of events (an event processed alone is a batch of one), in a few
/// statements: decode every event, lock every client they can resolve to (one statement, client
/// id order), apply the events in order in memory (`ClientBatch`), then write the decisions
/// (`ClientStateStore.write`). Runs inside the queue's transaction and savepoint, so the events'
/// statuses, `client_billing`, `client_controls`, alerts and re-queued events commit together.
public struct BillingEventHandler: EventHandler {
    /// `STRIPE_LIVEMODE`: events of the other mode are ignored.
    public let livemode: Bool?
    /// Called with every decision written (metrics), once the batch's writes succeeded.
    public let observe: @Sendable (BillingDecision) -> Void

    public init(livemode: Bool?, observe: @escaping @Sendable (BillingDecision) -> Void = { _ in }) {
        self.livemode = livemode
        self.observe = observe
    }

    public func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
        var results = [Result<EventDisposition, EventFailure>](repeating: .success(.postponed), count: events.count)
        var acted: [(index: Int, event: BillingEvent)] = []
        for (index, event) in events.enumerated() {
            switch prelude(event) {
            case .failure(let failure): results[index] = .failure(failure)
            case .success(nil): results[index] = .success(.decided(.ignored, clientId: nil))
            case .success(let decoded?): acted.append((index, decoded))
            }
        }
        let applied = try apply(acted, in: session, now: now)

        var decisions: [BillingDecision] = []
        var requeues: [BatchRequeue] = []
        for (index, event, result) in applied {
            switch result {
            case .decided(let clientId, let decision):
                decisions.append(decision)
                results[index] = .success(.decided(decision.outcome, clientId: clientId))
                if let requeue = BatchRequeue(index: index, clientId: clientId, decision: decision) { requeues.append(requeue) }
            case .unresolved:
                results[index] = .success(.unmatched(awaitedClientIds: event.resolutionKeys.candidateClientIds))
            case .conflicted(let clientId, let stripeId, let holder):
                results[index] = .failure(EventFailure(
                    "the event would link \(stripeId) to client \(clientId), but client \(holder) holds it"))
            }
        }
        try ClientStateStore.write(decisions, in: session)
        let observe = self.observe, written = decisions
        return BatchHandling(results: results, requeues: requeues, committed: { written.forEach(observe) })
    }

    /// What every event goes through first: a body to decode (pruned events cannot be processed
    /// again), then the types and the livemode the product acts on. `nil`: ignored.
    func prelude(_ event: ClaimedEvent) -> Result<BillingEvent?, EventFailure> {
        guard let payload = event.payload else {
            return .failure(EventFailure("the event's payload was pruned; it cannot be processed again"))
        }
        let decoded: BillingEvent
        do {
            decoded = try BillingEvent.decode(payload: Array(payload.utf8))
        } catch {
            return .failure(EventFailure("the stored payload does not decode: \(error.message)"))
        }
        if case .ignored = decoded.kind { return .success(nil) }
        if let livemode, decoded.livemode != livemode { return .success(nil) }
        return .success(decoded)
    }

    /// Loads and locks every client the events can resolve to and applies the events in order,
    /// until every unresolved event was resolved after its link locks were granted
    /// (`ClientLinkLocks`): each round that takes a new lock loads again, to see what was linked
    /// before it. Events naming a client being inserted right now are left out (postponed: no
    /// result). Returns each event applied, with its index and result.
    func apply(
        _ acted: [(index: Int, event: BillingEvent)], in session: PGSession, now: Int64
    ) throws -> [(index: Int, event: BillingEvent, result: ClientBatch.Result)] {
        guard !acted.isEmpty else { return [] }
        var locks = ClientLinkLocks()
        var postponed: Set<Int> = []
        while true {
            let live = acted.filter { !postponed.contains($0.index) }
            let keys = live.map(\.event.resolutionKeys)
            var batch = ClientBatch(clients: try ClientStateStore.lockAll(
                customers: Array(Set(keys.compactMap(\.customerId))).sorted(),
                subscriptions: Array(Set(keys.compactMap(\.subscriptionId))).sorted(),
                clientIds: Array(Set(keys.flatMap(\.candidateClientIds))).sorted(), in: session))
            let results = live.map { ($0.index, $0.event, batch.apply($0.event, now: now, expectedLivemode: livemode)) }
            let unresolved = results.filter { $0.2 == .unresolved }
            let tookNewLocks = try locks.take(for: unresolved.map(\.1.resolutionKeys), in: session)
            guard tookNewLocks else { return results }
            for (index, event, _) in unresolved where locks.isBusy(event.resolutionKeys) { postponed.insert(index) }
        }
    }
}
