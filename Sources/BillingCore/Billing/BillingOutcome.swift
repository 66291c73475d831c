/// What processing an event did (`billing_events.outcome`, SPEC §5). Raw values are the stored strings.
///
/// Decided in this order: `ignored`, `superseded`, `stale`, `pinned`, then `applied` or `noChange`.
public enum BillingOutcome: String, CaseIterable, Sendable, Hashable {
    /// Changed status, dates, flags, source or links.
    case applied
    /// Evaluated, nothing material changed.
    case noChange = "no_change"
    /// Older than the watermark, or a same-second move down; changes no status (linking still happens).
    case stale
    /// MANUAL/WAIVED client: the event would have moved the status.
    case pinned
    /// The event belongs to a subscription that is not (and cannot become) the current one.
    case superseded
    /// A type the machine does not act on, or the other livemode.
    case ignored

    /// The event's `billing_events.status` after this outcome: `ignored` or `processed`.
    public var eventStatus: EventStatus {
        switch self {
        case .ignored: .ignored
        case .applied, .noChange, .stale, .pinned, .superseded: .processed
        }
    }
}
