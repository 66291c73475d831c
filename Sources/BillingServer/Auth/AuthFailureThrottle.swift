import Synchronization

/// Counts failed admin authentications per client address and refuses an address that failed
/// `limit` times within `window` seconds, until that window ends (issue 16).
///
/// The count lives in this replica's memory: with N replicas an attacker gets up to N × `limit`
/// guesses per window, and operators behind one address (an office NAT) share one throttle —
/// the trade-off the README states. Entries expire with their window; the table is bounded.
public final class AuthFailureThrottle: Sendable {
    /// A window of failures of one address.
    struct Window: Sendable {
        var start: Int64
        var failures: Int
    }

    let limit: Int
    let window: Int64
    let now: @Sendable () -> Int64
    /// Addresses tracked at most; past it, expired entries are dropped, then the oldest.
    static let maxTracked = 50_000
    private let windows = Mutex<[String: Window]>([:])

    /// - Parameters:
    ///   - limit: failures allowed per window (default 10).
    ///   - window: seconds (default 60).
    ///   - now: Unix seconds (injected for tests).
    public init(limit: Int = 10, window: Int64 = 60, now: @escaping @Sendable () -> Int64) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// Seconds until `address` may try again, or `nil` when it is not throttled.
    public func retryAfter(_ address: String) -> Int64? {
        let t = now()
        return windows.withLock { all in
            guard let entry = all[address], t < entry.start + window, entry.failures >= limit else { return nil }
            return max(1, entry.start + window - t)
        }
    }

    /// Records a failed authentication of `address`.
    public func recordFailure(_ address: String) {
        let t = now()
        windows.withLock { all in
            if var entry = all[address], t < entry.start + window {
                entry.failures += 1
                all[address] = entry
                return
            }
            if all.count >= Self.maxTracked { Self.evict(&all, now: t, window: window) }
            all[address] = Window(start: t, failures: 1)
        }
    }

    /// Drops expired windows; if none expired, the oldest tenth.
    private static func evict(_ all: inout [String: Window], now: Int64, window: Int64) {
        all = all.filter { now < $0.value.start + window }
        if all.count >= maxTracked {
            let oldest = all.sorted { $0.value.start < $1.value.start }.prefix(maxTracked / 10).map(\.key)
            for key in oldest { all[key] = nil }
        }
    }
}
