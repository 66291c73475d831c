import Synchronization

/// A small pool of `PGConnection`s shared by the HTTP handlers and the processor.
///
/// Connections open lazily, up to `size`. A caller that finds none idle waits in FIFO order, at
/// most `checkoutTimeout`; then it fails as `.checkoutTimeout` (a form of "database unavailable":
/// HTTP 503), rather than queueing forever behind a stuck database.
///
/// Surviving a reconnect: a connection that died while idle (a PostgreSQL restart, a failover, a
/// proxy that dropped it) is noticed and reset by its next user before any statement is sent
/// (`PGConnection.withSession`). If a checkout's work still fails at the connection level before
/// anything could have been committed (no COMMIT sent, no statement outside a transaction), it is
/// run once more on a fresh connection. Work that may have committed is never run twice.
public final class PGPool: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Handoff, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var idle: [PGConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterId: UInt64 = 0
        var closed = false
    }

    /// What the pool reports to its observer (metrics).
    public enum Event: Sendable {
        /// A checkout found no connection and started waiting; `waiting` counts it.
        case waitStarted(waiting: Int)
        /// A waiting checkout got a connection (or a slot) after `seconds`, or gave up (`timedOut`).
        case waitEnded(waiting: Int, seconds: Double, timedOut: Bool)
        /// A checkout's work failed on a dead connection before anything was committed and was run again.
        case retriedAfterConnectionLoss
    }

    public let url: String
    public let size: Int
    /// How long a checkout waits for a connection before failing with `.checkoutTimeout`.
    public let checkoutTimeout: Duration
    private let observer: (@Sendable (Event) -> Void)?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - url: a libpq connection URL (`postgresql://user@host:port/db`).
    ///   - size: the most connections this pool opens at once.
    ///   - checkoutTimeout: the longest a checkout waits for a busy pool (default 5 s).
    ///   - observer: told about waits and retries (for metrics); called on the caller's task.
    public init(
        url: String, size: Int = 4, checkoutTimeout: Duration = .seconds(5),
        observer: (@Sendable (Event) -> Void)? = nil
    ) {
        self.url = url
        self.size = max(1, size)
        self.checkoutTimeout = checkoutTimeout
        self.observer = observer
    }

    /// Checkouts waiting for a connection right now.
    public var waitingCheckouts: Int { state.withLock { $0.waiters.count } }

    /// Runs `body` on a pooled connection's thread.
    ///
    /// When `body` fails at the connection level and nothing it sent could have been committed,
    /// it runs once more on a fresh connection; `body` must therefore have no effect outside the
    /// database other than what a rolled-back transaction undoes.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        let conn = try await checkout()
        defer { checkin(conn) }
        do {
            return try await conn.withSession(body)
        } catch let error as PostgresError where error.isConnectionFailure && !conn.lastSessionMayHaveCommitted {
            observer?(.retriedAfterConnectionLoss)
            return try await conn.withSession(body)  // resets the dead connection first
        }
    }

    /// Runs `body` in a transaction on a pooled connection: COMMIT when it returns, ROLLBACK when it throws.
    /// A connection lost before COMMIT was sent is retried once on a fresh connection (see `withConnection`).
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        try await withConnection { session in try session.transaction(body) }
    }

    /// Runs `body` with a new pool of `size` connections on `url`, and shuts the pool down when `body`
    /// returns or throws (the jobs of the command line, and the tests).
    public static func using<T: Sendable>(url: String, size: Int, _ body: (PGPool) async throws -> T) async throws -> T {
        let pool = PGPool(url: url, size: size)
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Closes every idle connection and refuses new work; waiters get `poolClosed`.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { s -> ([PGConnection], [Waiter]) in
            s.closed = true
            defer { s.idle = []; s.waiters = [] }
            return (s.idle, s.waiters)
        }
        for w in waiters {
            w.timer?.cancel()
            w.continuation.resume(returning: .closed)
        }
        for c in idle { await c.close() }
    }

    private enum Checkout { case reuse(PGConnection), open, wait, closed }
    private enum Handoff { case connection(PGConnection), openOne, closed, timedOut }

    private func checkout() async throws -> PGConnection {
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
            let started = ContinuousClock.now
            let handoff = await waitForHandoff()
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            if let observer {
                var timedOut = false
                if case .timedOut = handoff { timedOut = true }
                observer(.waitEnded(waiting: waitingCheckouts, seconds: seconds, timedOut: timedOut))
            }
            switch handoff {
            case .connection(let c): return c
            case .openOne: return try await openConnection()
            case .closed: throw PostgresError(kind: .poolClosed, message: "connection pool is shut down")
            case .timedOut:
                throw PostgresError(kind: .checkoutTimeout, message:
                    "no database connection became free within \(checkoutTimeout) (pool of \(size))")
            }
        }
    }

    private func waitForHandoff() async -> Handoff {
        await withCheckedContinuation { (cont: CheckedContinuation<Handoff, Never>) in
            let outcome = state.withLock { s -> (immediate: Handoff?, id: UInt64, waiting: Int) in
                if s.closed { return (.closed, 0, 0) }
                if let c = s.idle.popLast() { return (.connection(c), 0, 0) }
                if s.open < size { s.open += 1; return (.openOne, 0, 0) }
                s.nextWaiterId += 1
                s.waiters.append(Waiter(id: s.nextWaiterId, continuation: cont))
                return (nil, s.nextWaiterId, s.waiters.count)
            }
            if let immediate = outcome.immediate {
                cont.resume(returning: immediate)
                return
            }
            observer?(.waitStarted(waiting: outcome.waiting))
            let id = outcome.id, timeout = checkoutTimeout
            let timer = Task { [weak self] in
                do { try await Task.sleep(for: timeout) } catch { return }  // cancelled: handed a connection
                self?.expire(waiter: id)
            }
            // The waiter may already have been served (or expired) before its timer was stored.
            let stored = state.withLock { s -> Bool in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return false }
                s.waiters[i].timer = timer
                return true
            }
            if !stored { timer.cancel() }
        }
    }

    /// Gives up on a waiter that is still waiting when its time is up.
    private func expire(waiter id: UInt64) {
        let waiter = state.withLock { s -> Waiter? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: i)
        }
        waiter?.continuation.resume(returning: .timedOut)
    }

    /// Removes the longest-waiting checkout, if any, under the lock.
    private static func nextWaiter(_ s: inout State) -> Waiter? {
        s.waiters.isEmpty ? nil : s.waiters.removeFirst()
    }

    /// Opens a connection in a slot already counted in `open`; frees the slot when it fails.
    private func openConnection() async throws -> PGConnection {
        do {
            return try await PGConnection.connect(url)
        } catch {
            let waiter = state.withLock { s -> Waiter? in
                if let w = Self.nextWaiter(&s) { return w }  // slot passes to the waiter
                s.open -= 1
                return nil
            }
            waiter?.timer?.cancel()
            waiter?.continuation.resume(returning: .openOne)
            throw error
        }
    }

    private func checkin(_ conn: PGConnection) {
        let waiter = state.withLock { s -> Waiter? in
            if let w = Self.nextWaiter(&s) { return w }
            s.idle.append(conn)
            return nil
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: .connection(conn))
    }
}
