import Synchronization

/// The bodies of the events this process has just stored, kept for its own processor, which would
/// otherwise read each one back from PostgreSQL moments later.
///
/// Reading them back was most of the claim's cost under end-to-end load: PostgreSQL fetched each
/// body from its TOAST table, decompressed it and sent it (about 5 KiB), and the claim took 31 µs per
/// event where the locking scan alone took 11. A body here is the one the same process inserted in
/// a transaction that committed (webhook ingest remembers an event only once its insert returned
/// it), so it is byte for byte what the row holds. The processor takes it when it claims the row;
/// whatever is not here — stored by another process, evicted, pruned — is read from the row.
///
/// Bounded by bytes (oldest evicted first), and off until a processor in this process turns it on,
/// so that `serve --no-processor` keeps nothing.
public final class RecentBodies: Sendable {
    private struct State {
        var enabled = false
        var bodies: [String: String] = [:]
        var order: [String] = []
        var head = 0
        var bytes = 0
    }

    private let maxBytes: Int
    private let maxBodyBytes: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxBytes: most body bytes kept at once (8 MiB: about 1,600 bodies of 5 KiB).
    ///   - maxBodyBytes: larger bodies are not kept.
    public init(maxBytes: Int = 8 << 20, maxBodyBytes: Int = 64 << 10) {
        self.maxBytes = maxBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Starts keeping bodies (a processor in this process will claim them).
    public func enable() {
        state.withLock { $0.enabled = true }
    }

    /// Bodies kept right now.
    public var count: Int { state.withLock { $0.bodies.count } }

    /// Ids still listed for eviction, taken ones included (bounded: see `remember`).
    var listedIds: Int { state.withLock { $0.order.count - $0.head } }

    /// Keeps the body of an event this process has just inserted (its transaction committed).
    public func remember(_ stripeEventId: String, body: String) {
        let size = body.utf8.count
        guard size <= maxBodyBytes else { return }
        state.withLock { s in
            guard s.enabled, s.bodies[stripeEventId] == nil else { return }
            s.bodies[stripeEventId] = body
            s.order.append(stripeEventId)
            s.bytes += size
            while s.bytes > maxBytes, s.head < s.order.count {
                let oldest = s.order[s.head]
                s.head += 1
                if let evicted = s.bodies.removeValue(forKey: oldest) { s.bytes -= evicted.utf8.count }
            }
            // Taken bodies leave their ids in `order`; drop them once they outnumber the kept ones.
            if s.order.count - s.head > 2 * s.bodies.count + 1024 {
                let kept = s.bodies
                s.order = s.order[s.head...].filter { kept[$0] != nil }
                s.head = 0
            }
        }
    }

    /// Hands over (and forgets) the body kept for `stripeEventId`, if any.
    public func take(_ stripeEventId: String) -> String? {
        state.withLock { s in
            guard let body = s.bodies.removeValue(forKey: stripeEventId) else { return nil }
            s.bytes -= body.utf8.count
            return body
        }
    }
}
