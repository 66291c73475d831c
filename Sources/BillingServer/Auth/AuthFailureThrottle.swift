#if canImport(Glibc)
import Glibc
#endif
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

    /// The throttle's key of a client address: an IPv4 address as it is (an IPv4-mapped IPv6 address
    /// as its IPv4 one), an IPv6 address by its /64 prefix — one host usually holds a whole /64, so
    /// keying each address apart would let it rotate past the throttle.
    public static func key(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        let parsed = address.split(separator: "%", maxSplits: 1).first.map(String.init) ?? address
        guard inet_pton(AF_INET6, parsed, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":") + "::/64"
    }

    /// Seconds until `address` may try again, or `nil` when it is not throttled.
    public func retryAfter(_ address: String) -> Int64? {
        let address = Self.key(address)
        let t = now()
        return windows.withLock { all in
            guard let entry = all[address], t < entry.start + window, entry.failures >= limit else { return nil }
            return max(1, entry.start + window - t)
        }
    }

    /// Records a failed authentication of `address`.
    public func recordFailure(_ address: String) {
        let address = Self.key(address)
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
