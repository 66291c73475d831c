import BillingCore
import StripeJSON

/// The processor's batch path: the same rules as `handle`, for a whole claimed batch in a few
/// statements — decode every event, lock every client they can resolve to (one statement, client
/// id order), apply the events in order in memory (`ClientBatch`), then write the final client
/// rows (two statements) after the alerts and acknowledgements in event order, and the re-queues.
///
/// It declines the batch (`nil`: processed one by one instead) whenever it cannot reproduce the
/// one-by-one result exactly: a decision linking an id another client holds, or an unresolved
/// event whose customer, subscription or client id appeared in the database meanwhile.
extension BillingEventHandler {
    public func handleBatch(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling? {
        var results: [Result<EventDisposition, BatchEventFailure>] = Array(repeating: .success(.unmatched(awaitedClientIds: [])), count: events.count)
        var acted: [(index: Int, event: BillingEvent)] = []
        for (i, event) in events.enumerated() {
            guard let payload = event.payload else {
                results[i] = .failure(BatchEventFailure("the event's payload was pruned; it cannot be processed again"))
                continue
            }
            let decoded: BillingEvent
            do {
                decoded = try BillingEvent.decode(payload: Array(payload.utf8))
            } catch {
                results[i] = .failure(BatchEventFailure("the stored payload does not decode: \(error.message)"))
                continue
            }
            if case .ignored = decoded.kind { results[i] = .success(.ignored(clientId: nil)); continue }
            if let livemode, decoded.livemode != livemode { results[i] = .success(.ignored(clientId: nil)); continue }
            acted.append((i, decoded))
        }
        guard !acted.isEmpty else { return BatchHandling(results: results) }

        let keys = acted.map(\.event.resolutionKeys)
        let states = try ClientStateStore.lockAll(
            customers: Array(Set(keys.compactMap(\.customerId))).sorted(),
            subscriptions: Array(Set(keys.compactMap(\.subscriptionId))).sorted(),
            clientIds: Array(Set(keys.flatMap(\.candidateClientIds))).sorted(), in: session)
        var batch = ClientBatch(clients: states)

        var decisions: [(index: Int, clientId: String, decision: BillingDecision)] = []
        var unresolved: [ClientResolutionKeys] = []
        for ((index, event), key) in zip(acted, keys) {
            switch batch.apply(event, now: now, expectedLivemode: livemode) {
            case .decided(let clientId, let decision):
                decisions.append((index, clientId, decision))
                results[index] = .success(decision.outcome == .ignored
                    ? .ignored(clientId: clientId) : .processed(outcome: decision.outcome.rawValue, clientId: clientId))
            case .unresolved:
                unresolved.append(key)
                results[index] = .success(.unmatched(awaitedClientIds: key.candidateClientIds))
            }
        }
        if batch.conflicted { return nil }
        if try !Self.stillUnresolved(unresolved, in: session) { return nil }

        // Alerts and acknowledgements in event order (an acknowledgement covers the alerts before it), every
        // status change in event order, then each changed client's final rows.
        for (_, _, decision) in decisions {
            for alert in decision.alerts { try AlertLogStore.append(alert, in: session) }
            if let ack = decision.acknowledgement { try AlertLogStore.acknowledgeGateAlerts(ack, in: session) }
        }
        try StatusHistoryStore.append(
            decisions.compactMap { d in d.decision.statusChange.map { (d.clientId, $0) } }, in: session)
        try ClientStateStore.writeAll(
            billing: batch.billingChanged.sorted().compactMap { batch.clients[$0]?.billing },
            controls: batch.controlsChanged.sorted().compactMap { id in batch.clients[id].map { (id, $0.controls) } },
            in: session)

        let requeues = decisions.filter { $0.decision.requeuesSupersededEvents || $0.decision.linkedCustomerId != nil }
        let rowIds = events.map(\.rowId)
        let observe = self.observe
        let written = decisions.map(\.decision)
        return BatchHandling(
            results: results,
            afterSettle: { session in
                // One by one, a decision re-queues what was settled before it: rows of this batch
                // from its own position on are not yet settled then, so they are left alone.
                for (index, clientId, decision) in requeues {
                    try Self.requeue(after: decision, clientId: clientId, except: Array(rowIds[index...]), in: session)
                }
            },
            committed: { written.forEach(observe) },
            requeues: requeues.map {
                BatchRequeue(index: $0.index, clientId: $0.clientId, supersededEvents: $0.decision.requeuesSupersededEvents,
                             linkedCustomerId: $0.decision.linkedCustomerId)
            })
    }

    /// Takes the link locks of every unresolved event's customer and client ids (as
    /// `resolveOrWaitForLink` does) and checks that none of their keys resolves now. False when one does: another transaction
    /// linked it after this batch loaded its clients, and only the one-by-one path handles that.
    static func stillUnresolved(_ keys: [ClientResolutionKeys], in session: PGSession) throws -> Bool {
        guard !keys.isEmpty else { return true }
        let customers = Array(Set(keys.compactMap(\.customerId))).sorted()
        let clientIds = Array(Set(keys.flatMap(\.candidateClientIds))).sorted()
        for customer in customers { try lockCustomerLink(customer, in: session) }
        do {
            for clientId in clientIds { try lockClientLink(clientId, in: session) }
        } catch is ClientLinkBusy {
            return false  // one by one, the busy client's events are postponed
        }
        let subscriptions = Array(Set(keys.compactMap(\.subscriptionId))).sorted()
        return try session.prepared("resolve_any", """
            SELECT 1 AS one FROM client_billing
            WHERE stripe_customer_id = ANY(\(customers)::text[]) OR stripe_subscription_id = ANY(\(subscriptions)::text[])
            UNION ALL
            SELECT 1 FROM clients WHERE id = ANY(\(clientIds)::text[])
            LIMIT 1
            """).isEmpty
    }
}
