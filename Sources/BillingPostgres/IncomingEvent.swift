import BillingCore
import StripeJSON

/// What ingest knows about a verified event: the envelope fields plus the raw body text.
public struct IncomingEvent: Sendable {
    public let envelope: EventEnvelope
    /// The verified body as UTF-8 text (stored as jsonb).
    public let payload: String
    /// `webhook`, `import` or `backfill` (SPEC §3).
    public let source: EventSource

    public init(envelope: EventEnvelope, payload: String, source: EventSource) {
        self.envelope = envelope
        self.payload = payload
        self.source = source
    }
}

/// Where a stored event came from (column `billing_events.source`).
public enum EventSource: String, Sendable, CaseIterable {
    case webhook
    case `import`
    case backfill
}

/// The answer to storing one event.
public enum StoreResult: Sendable, Equatable {
    /// First time this Stripe event id was stored.
    case stored
    /// The id was already stored; a webhook delivery incremented `delivery_count`.
    case duplicate
}

/// Names shared by the writers and readers of the `billing_events` idempotency log.
public enum EventLogStore {
    /// The NOTIFY channel that wakes processors when an event becomes due.
    public static let channel = "billing_events"
}

extension PGQuery {
    /// Appends one `billing_events` row of `event` as binds and returns its `VALUES` tuple
    /// (status `received`), for the multi-row inserts of webhook ingest and of import/back-fill.
    /// - Parameters:
    ///   - deliveries: the row's `delivery_count` (webhook deliveries only).
    ///   - livemode: the value to store for `livemode`.
    mutating func appendEventRow(_ event: IncomingEvent, deliveries: Int, livemode: Bool?) -> String {
        let e = event.envelope
        let base = binds.count
        binds += [e.id, e.type, e.apiVersion, livemode.map { $0 ? "t" : "f" }, String(e.created), event.payload,
                  event.source.rawValue, String(deliveries), e.objectId, e.customerId, e.subscriptionId]
        let p = (1...11).map { "$\(base + $0)" }
        return "(\(p[0]), \(p[1]), \(p[2]), \(p[3])::boolean, to_timestamp(\(p[4])::bigint), \(p[5]), 'received', "
            + "\(p[6]), \(p[7])::int, \(p[8]), \(p[9]), \(p[10]))"
    }
}
