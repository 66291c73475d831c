import BillingCore

/// A stored event claimed for processing, as the handler sees it.
public struct ClaimedEvent: Sendable {
    /// `billing_events.id`.
    public let rowId: Int64
    public let stripeEventId: String
    public let type: String
    /// Stripe's `created`, unix seconds.
    public let created: Int64
    public let livemode: Bool?
    /// The stored body; `nil` once `prune` cleared it.
    public let payload: String?
    /// Attempts made before this one.
    public let attempts: Int
    public let clientId: String?
    public let customerId: String?
    public let subscriptionId: String?
    public let source: String
}

extension ClaimedEvent {
    /// The same event with `payload` in place of its body.
    func with(payload: String?) -> ClaimedEvent {
        ClaimedEvent(rowId: rowId, stripeEventId: stripeEventId, type: type, created: created, livemode: livemode, payload: payload,
                     attempts: attempts, clientId: clientId, customerId: customerId, subscriptionId: subscriptionId, source: source)
    }
}

/// What the handler decided for one event. The queue writes it to the event's row.
public enum EventDisposition: Sendable, Equatable {
    /// Settled with an outcome: status `processed`, or `ignored` for the outcome `ignored` (a type
    /// or livemode the product does not act on).
    case decided(BillingOutcome, clientId: String?)
    /// No client could be resolved: parked as `unmatched` until a later event links its customer, or
    /// until one of `awaitedClientIds` (the client ids the event names) appears in `clients`.
    case unmatched(awaitedClientIds: [String])
    /// A client the event names is being inserted by another transaction right now: the event is
    /// due again in a second, status and attempts unchanged (`ClientLinkBusy`).
    case postponed

    /// The event's status once this disposition is written; `nil` for `postponed` (unchanged).
    public var status: EventStatus? {
        switch self {
        case .decided(let outcome, _): outcome.eventStatus
        case .unmatched: .unmatched
        case .postponed: nil
        }
    }

    /// The outcome written with it (`nil` for `unmatched` and `postponed`).
    public var outcome: BillingOutcome? {
        if case .decided(let outcome, _) = self { return outcome }
        return nil
    }

    /// The resolved client, when one was.
    public var clientId: String? {
        if case .decided(_, let clientId) = self { return clientId }
        return nil
    }

    /// `billing_events.awaited_client_ids` for this disposition: what an unmatched event waits for
    /// (`[]` when it names no client; NULL, for the other dispositions, means "not recorded").
    var awaitedClientIds: [String]? {
        if case .unmatched(let ids) = self { return ids }
        return nil
    }
}

/// Why one event could not be processed: it is retried, then `failed` (SPEC §6).
public struct EventFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a handler did with the events it was handed. The queue settles the events, re-queues
/// what `requeues` names, records the failures, and calls `committed` once the writes succeeded.
public struct BatchHandling: Sendable {
    /// One per event, in the order given: the disposition, or why it failed.
    public var results: [Result<EventDisposition, EventFailure>]
    /// The decisions that re-queue other events, in event order.
    public var requeues: [BatchRequeue]
    /// Called once the handler's writes are committed (metrics): by the queue after the batch's
    /// transaction commits; by replay, which runs in its caller's transaction, after its savepoint.
    public var committed: @Sendable () -> Void

    public init(
        results: [Result<EventDisposition, EventFailure>], requeues: [BatchRequeue] = [],
        committed: @escaping @Sendable () -> Void = {}
    ) {
        self.results = results
        self.requeues = requeues
        self.committed = committed
    }
}

/// One decision that re-queues events (`EventQueue.requeue(_:except:in:)`).
public struct BatchRequeue: Sendable, Equatable {
    /// The deciding event's position among the events handled.
    public var index: Int
    /// The decision's client: its `processed`/`superseded` events are re-queued when `supersededEvents`.
    public var clientId: String
    public var supersededEvents: Bool
    /// The newly linked customer: its `unmatched` events are re-queued.
    public var linkedCustomerId: String?

    public init(index: Int, clientId: String, supersededEvents: Bool, linkedCustomerId: String?) {
        self.index = index
        self.clientId = clientId
        self.supersededEvents = supersededEvents
        self.linkedCustomerId = linkedCustomerId
    }

    /// What `decision` (of the event at `index`, for `clientId`) re-queues; `nil` when nothing.
    public init?(index: Int, clientId: String, decision: BillingDecision) {
        guard decision.requeuesSupersededEvents || decision.linkedCustomerId != nil else { return nil }
        self.init(index: index, clientId: clientId, supersededEvents: decision.requeuesSupersededEvents,
                  linkedCustomerId: decision.linkedCustomerId)
    }
}

/// The seam between the queue and the billing rules. Runs on the processing connection's
/// thread, inside the batch transaction and a savepoint, so every write it makes commits
/// together with the events' statuses — or not at all.
///
/// There is one path: a batch of events, in claim order. An event processed alone (after a
/// batch's statement failed, or by a replay one by one) is a batch of one.
public protocol EventHandler: Sendable {
    /// Handles `events` in order and returns one result per event. Throwing rolls back every
    /// write of the call; the queue then hands the events over one at a time.
    func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling
}
