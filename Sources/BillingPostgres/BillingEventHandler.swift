import BillingCore
import StripeJSON

/// The processor's handler: decodes a stored event, resolves its client, runs the billing
/// state machine on the client's locked rows and writes the decision (SPEC §5, §6).
///
/// Runs inside the queue's transaction and the event's savepoint, so the event's status,
/// `client_billing`, `client_controls`, alerts and re-queued events commit together.
public struct BillingEventHandler: EventHandler {
    /// `STRIPE_LIVEMODE`: events of the other mode are ignored.
    public let livemode: Bool?
    /// Called with every decision written (metrics); runs before the commit.
    public let observe: @Sendable (BillingDecision) -> Void

    public init(livemode: Bool?, observe: @escaping @Sendable (BillingDecision) -> Void = { _ in }) {
        self.livemode = livemode
        self.observe = observe
    }

    /// Why an event could not be processed (it is retried, then `failed`).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func handle(_ event: ClaimedEvent, in session: PGSession, now: Int64) throws -> EventDisposition {
        guard let payload = event.payload else {
            throw Failure(description: "the event's payload was pruned; it cannot be processed again")
        }
        let decoded: BillingEvent
        do {
            decoded = try BillingEvent.decode(payload: Array(payload.utf8))
        } catch {
            throw Failure(description: "the stored payload does not decode: \(error.message)")
        }
        if case .ignored = decoded.kind { return .ignored(clientId: nil) }
        if let livemode, decoded.livemode != livemode { return .ignored(clientId: nil) }

        let keys = decoded.resolutionKeys
        guard let clientId = try Self.resolveOrWaitForLink(keys, in: session),
              let state = try ClientStateStore.lock(clientId: clientId, in: session)
        else { return .unmatched(awaitedClientIds: keys.candidateClientIds) }

        let decision = BillingStateMachine.decide(
            billing: state.billing, controls: state.controls, event: decoded, now: now, expectedLivemode: livemode)
        try ClientStateStore.write(decision, in: session)
        try Self.requeue(after: decision, clientId: clientId, except: event.rowId, in: session)
        observe(decision)
        if decision.outcome == .ignored { return .ignored(clientId: clientId) }
        return .processed(outcome: decision.outcome.rawValue, clientId: clientId)
    }

    /// Resolves the client; when nothing resolves, takes the link locks of the customer and of every
    /// client id the event names, and tries again.
    ///
    /// Without the locks two transactions lose a wake-up: worker A links customer `cus` and re-queues
    /// its `unmatched` events while worker B, which had not seen A's uncommitted link, is parking an
    /// event of `cus` as `unmatched` — A's re-queue cannot see B's uncommitted row, and the event
    /// would wait forever. Both sides take `lockCustomerLink` (until their transaction ends), so
    /// either B resolves after A's commit, or A re-queues after B's. A client that appears in
    /// `clients` is the same race with the trigger of migration 0011, which takes `lockClientLink`.
    static func resolveOrWaitForLink(_ keys: ClientResolutionKeys, in session: PGSession) throws -> String? {
        if let clientId = try resolve(keys, in: session) { return clientId }
        guard keys.customerId != nil || !keys.candidateClientIds.isEmpty else { return nil }
        try lockLinks(of: keys, in: session)
        return try resolve(keys, in: session)
    }

    /// Takes the link locks of `keys`: the customer's, then each named client id's (sorted).
    static func lockLinks(of keys: ClientResolutionKeys, in session: PGSession) throws {
        if let customer = keys.customerId { try lockCustomerLink(customer, in: session) }
        for clientId in keys.candidateClientIds.sorted() { try lockClientLink(clientId, in: session) }
    }

    /// A transaction-scoped advisory lock on linking `customer` (two-key space, class "bill").
    static func lockCustomerLink(_ customer: String, in session: PGSession) throws {
        try session.prepared("lock_customer_link", "SELECT pg_advisory_xact_lock(1651076204, hashtext(\(customer)))")
    }

    /// The transaction-scoped advisory lock on client `clientId` appearing (class "clnt", one of 1,024
    /// buckets), taken before parking an event that names it. The trigger that releases the events
    /// awaiting new clients (migration 0011) holds it shared while a client is being inserted; the
    /// processor never waits for it (so no client insert can deadlock with processing): when it is
    /// held, the event is tried again a second later (`ClientLinkBusy`).
    static func lockClientLink(_ clientId: String, in session: PGSession) throws {
        let got = try session.prepared("lock_client_link", """
            SELECT pg_try_advisory_xact_lock(1668050548, hashtext(\(clientId)) & 1023) AS got
            """).first?.bool("got")
        guard got == true else { throw ClientLinkBusy(clientId: clientId) }
    }

    /// SPEC §5 client resolution, in the order `ClientResolutionKeys` documents.
    static func resolve(_ keys: ClientResolutionKeys, in session: PGSession) throws -> String? {
        if let customer = keys.customerId,
           let id = try session.prepared("resolve_customer", "SELECT client_id FROM client_billing WHERE stripe_customer_id = \(customer)").first?.string("client_id") {
            return id
        }
        if let subscription = keys.subscriptionId,
           let id = try session.prepared("resolve_subscription", "SELECT client_id FROM client_billing WHERE stripe_subscription_id = \(subscription)").first?.string("client_id") {
            return id
        }
        for candidate in keys.candidateClientIds {
            if try !session.prepared("resolve_client", "SELECT 1 AS one FROM clients WHERE id = \(candidate)").isEmpty {
                return candidate
            }
        }
        return nil
    }

    /// Re-queues what the decision unblocked: the client's `superseded` events (a subscription
    /// became current, or the current one ended) and the `unmatched` events of a newly linked
    /// customer. They become due now and are claimed in `created` order. Public for the other
    /// writers of decisions (`reconcile --apply`); pass `except: 0` when no event is being settled.
    public static func requeue(after decision: BillingDecision, clientId: String, except rowId: Int64, in session: PGSession) throws {
        try requeue(after: decision, clientId: clientId, except: [rowId], in: session)
    }

    /// `requeue(after:clientId:except:in:)` leaving every row of `rowIds` alone (the batch path:
    /// the deciding event and the ones after it in its batch).
    static func requeue(after decision: BillingDecision, clientId: String, except rowIds: [Int64], in session: PGSession) throws {
        let excluded = rowIds.map { String($0) }
        if decision.requeuesSupersededEvents {
            try session.prepared("requeue_superseded", """
                UPDATE billing_events SET status = 'received', outcome = NULL, next_attempt_at = now()
                WHERE client_id = \(clientId) AND status = 'processed' AND outcome = 'superseded'
                  AND id <> ALL(\(excluded)::bigint[])
                """)
        }
        if let customer = decision.linkedCustomerId {
            try lockCustomerLink(customer, in: session)
            try session.prepared("requeue_unmatched", """
                UPDATE billing_events SET status = 'received', next_attempt_at = now()
                WHERE status = 'unmatched' AND stripe_customer_id = \(customer) AND id <> ALL(\(excluded)::bigint[])
                """)
        }
    }
}
