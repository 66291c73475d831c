/// Where a stored event is in processing (`billing_events.status`, SPEC §3). Raw values are the stored strings.
public enum EventStatus: String, CaseIterable, Sendable, Hashable {
    /// Stored, waiting to be claimed.
    case received
    /// Claimed by a worker.
    case processing
    /// Processed; `outcome` says what it did.
    case processed
    /// A type not acted on, or the other livemode.
    case ignored
    /// No client could be resolved; re-queued when a later event links its customer.
    case unmatched
    /// Failed, will be retried at `next_attempt_at`.
    case retry
    /// Failed `maxAttempts` times: dead-lettered, one `EVENT_PROCESSING_FAILED` alert raised.
    case failed
}
