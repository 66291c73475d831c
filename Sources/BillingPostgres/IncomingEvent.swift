import BillingCore
import StripeJSON

/// What ingest knows about a verified event: the envelope fields plus the raw body text.
public struct IncomingEvent: Sendable {
    public let envelope: EventEnvelope
    /// The body as received (for a webhook, the signed bytes) as UTF-8 text, stored as is in `billing_events.body`.
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
