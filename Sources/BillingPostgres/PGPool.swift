import Synchronization

/// A small pool of `PGConnection`s shared by the HTTP handlers and the processor.
///
/// Connections open lazily, up to `size`. A caller that finds none idle waits in FIFO order.
/// A connection that broke is reset by its next user (see `PGConnection.withSession`), so the
/// pool recovers after a server restart without restarting the service.
public final class PGPool: Sendable {
    private struct State {
        var idle: [PGConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<Handoff, Never>] = []
        var closed = false
    }

    public let url: String
    public let size: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - url: a libpq connection URL (`postgresql://user@host:port/db`).
    ///   - size: the most connections this pool opens at once.
    public init(url: String, size: Int = 4) {
        self.url = url
        self.size = max(1, size)
    }

    /// Runs `body` on a pooled connection's thread.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        let conn = try await checkout()
        do {
            let value = try await conn.withSession(body)
            checkin(conn)
            return value
        } catch {
            checkin(conn)
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection: COMMIT when it returns, ROLLBACK when it throws.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        try await withConnection { session in try session.transaction(body) }
    }

    /// Closes every idle connection and refuses new work; waiters get `poolClosed`.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { s -> ([PGConnection], [CheckedContinuation<Handoff, Never>]) in
            s.closed = true
            defer { s.idle = []; s.waiters = [] }
            return (s.idle, s.waiters)
        }
        waiters.forEach { $0.resume(returning: .closed) }
        for c in idle { await c.close() }
    }

    private enum Checkout { case reuse(PGConnection), open, wait, closed }
    private enum Handoff { case connection(PGConnection), openOne, closed }

    private func checkout() async throws -> PGConnection {
        while true {
            let decision = state.withLock { s -> Checkout in
                if s.closed { return .closed }
                if let c = s.idle.popLast() { return .reuse(c) }
                if s.open < size { s.open += 1; return .open }
                return .wait
            }
            switch decision {
            case .reuse(let c):
                return c
            case .closed:
                throw PostgresError(kind: .poolClosed, message: "connection pool is shut down")
            case .open:
                return try await openConnection()
            case .wait:
                switch await waitForHandoff() {
                case .connection(let c): return c
                case .openOne: return try await openConnection()
                case .closed: throw PostgresError(kind: .poolClosed, message: "connection pool is shut down")
                }
            }
        }
    }

    private func waitForHandoff() async -> Handoff {
        await withCheckedContinuation { (cont: CheckedContinuation<Handoff, Never>) in
            let immediate = state.withLock { s -> Handoff? in
                if s.closed { return .closed }
                if let c = s.idle.popLast() { return .connection(c) }
                if s.open < size { s.open += 1; return .openOne }
                s.waiters.append(cont)
                return nil
            }
            if let immediate { cont.resume(returning: immediate) }
        }
    }

    /// Opens a connection in a slot already counted in `open`; frees the slot when it fails.
    private func openConnection() async throws -> PGConnection {
        do {
            return try await PGConnection.connect(url)
        } catch {
            let waiter = state.withLock { s -> CheckedContinuation<Handoff, Never>? in
                if !s.waiters.isEmpty { return s.waiters.removeFirst() }  // slot passes to the waiter
                s.open -= 1
                return nil
            }
            waiter?.resume(returning: .openOne)
            throw error
        }
    }

    private func checkin(_ conn: PGConnection) {
        let waiter = state.withLock { s -> CheckedContinuation<Handoff, Never>? in
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.idle.append(conn)
            return nil
        }
        waiter?.resume(returning: .connection(conn))
    }
}
