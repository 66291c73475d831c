import BillingPostgres
import Synchronization

/// `/readyz`'s answer, refreshed at most once per `period` whatever the request rate (issue 16):
/// a flood of probes costs one database check per period, not two pool checkouts and a checksum
/// of every migration file each. Concurrent callers during a refresh share it.
final class ReadinessCache: Sendable {
    /// `nil` = ready, else what is wrong (shown in the 503 body).
    typealias Problem = String?

    private struct State {
        var problem: Problem = nil
        var checkedAt: ContinuousClock.Instant?
        var refresh: Task<Problem, Never>?
    }

    let period: Duration
    private let check: @Sendable () async -> Problem
    private let state = Mutex(State())

    /// - Parameters:
    ///   - period: how long one check's result is served.
    ///   - check: the real check; returns a problem description, or `nil` when ready.
    init(period: Duration, check: @escaping @Sendable () async -> Problem) {
        self.period = period
        self.check = check
    }

    /// The readiness check of the service: the database answers and every migration is applied.
    static func database(pool: PGPool, period: Duration, migrations: (@Sendable (PGPool) async throws -> String?)?) -> ReadinessCache {
        ReadinessCache(period: period) {
            do {
                try await pool.ping()
                return try await migrations?(pool) ?? nil
            } catch {
                return "the database is unreachable"
            }
        }
    }

    /// The current answer: cached while younger than `period`, else from one shared refresh.
    func current() async -> Problem {
        let now = ContinuousClock.now
        enum Next { case cached(Problem), wait(Task<Problem, Never>) }
        let next: Next = state.withLock { s in
            if let at = s.checkedAt, now - at < period { return .cached(s.problem) }
            if let running = s.refresh { return .wait(running) }
            let check = self.check
            let task = Task { await check() }
            s.refresh = task
            return .wait(task)
        }
        switch next {
        case .cached(let problem):
            return problem
        case .wait(let task):
            let problem = await task.value
            state.withLock { s in
                if s.refresh == task {
                    s.problem = problem
                    s.checkedAt = .now
                    s.refresh = nil
                }
            }
            return problem
        }
    }
}
