import Synchronization

/// Wakes the processors listening on `EventLogStore.channel` after webhook ingest has committed
/// new events: one `NOTIFY` for all the commits of a short interval, sent in a statement of its own.
///
/// A NOTIFY sent inside ingest's transaction took PostgreSQL's lock on the notification queue at
/// commit and held it through the commit's WAL flush, so two concurrent group commits could never
/// flush at once (in an ingest-only run it was the flush's most frequent lock wait). A transaction
/// that only notifies writes no WAL and holds that lock for microseconds.
///
/// The NOTIFY is only a wake-up: the processor also polls (`EventProcessorService`), so a NOTIFY
/// lost with the database or the process delays events by one poll interval, never loses them.
public final class DueEventsNotifier: Sendable {
    private struct State {
        var sending = false
        var again = false
    }

    private let pool: PGPool
    private let interval: Duration
    private let state = Mutex(State())

    /// - Parameters:
    ///   - pool: where to send the NOTIFY.
    ///   - interval: the least time between two NOTIFYs; commits within it share the next one.
    public init(pool: PGPool, interval: Duration = .milliseconds(10)) {
        self.pool = pool
        self.interval = interval
    }

    /// Says that events became due (their transaction has committed). Returns at once; the NOTIFY is
    /// sent now, or after the one in flight and the interval when one is.
    public func eventsBecameDue() {
        let start = state.withLock { s -> Bool in
            if s.sending { s.again = true; return false }
            s.sending = true
            return true
        }
        if start { Task { await send() } }
    }

    private func send() async {
        while true {
            _ = try? await pool.withConnection { session in try EventLogStore.notifyDueEvents(in: session) }
            try? await Task.sleep(for: interval)
            let more = state.withLock { s -> Bool in
                if s.again { s.again = false; return true }
                s.sending = false
                return false
            }
            if !more { return }
        }
    }
}
