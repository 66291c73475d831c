import BillingPostgres
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Events received, processed and failed per hour, counted in memory (a lock and an add per event)
/// and added to `billing_event_hourly` by `HourlyCountsFlusher`, so the console's chart costs ingest
/// and processing no statement. Counts not yet flushed when a replica dies are lost (at most one
/// flush period); the chart is an operator's picture, the event log stays the record.
public final class HourlyEventCounts: Sendable {
    private let pending = Mutex<[Int64: EventHourlyStore.Counts]>([:])
    private let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.clock = clock
    }

    public func received(_ n: Int64 = 1) { add { $0.received += n } }
    public func processed(_ n: Int64 = 1) { add { $0.processed += n } }
    public func failed(_ n: Int64 = 1) { add { $0.failed += n } }

    private func add(_ change: (inout EventHourlyStore.Counts) -> Void) {
        let hour = clock() / 3600 * 3600
        pending.withLock { change(&$0[hour, default: EventHourlyStore.Counts()]) }
    }

    /// Takes the counts gathered so far (and forgets them).
    func take() -> [Int64: EventHourlyStore.Counts] {
        pending.withLock { counts in defer { counts = [:] }; return counts.filter { !$0.value.isEmpty } }
    }

    /// Puts counts back after a failed flush, so that they are added next time.
    func restore(_ counts: [Int64: EventHourlyStore.Counts]) {
        pending.withLock { pending in
            for (hour, c) in counts { pending[hour, default: EventHourlyStore.Counts()].add(c) }
        }
    }

    /// Adds the gathered counts to `billing_event_hourly`; on failure they are kept for the next flush.
    public func flush(to pool: PGPool) async throws {
        let counts = take()
        guard !counts.isEmpty else { return }
        do {
            try await pool.withConnection { session in try EventHourlyStore.add(counts, in: session) }
        } catch {
            restore(counts)
            throw error
        }
    }
}

/// Flushes `HourlyEventCounts` every `periodSeconds`, and once more on graceful shutdown.
struct HourlyCountsFlusher: Service {
    let counts: HourlyEventCounts
    let pool: PGPool
    let logger: Logger
    var periodSeconds = 10

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(periodSeconds)) }
            await flush()
        }
        await flush()
    }

    private func flush() async {
        do {
            try await counts.flush(to: pool)
        } catch {
            logger.warning("could not add the hourly event counts; kept for the next try",
                           metadata: [LogKey.error: .string(String(describing: error))])
        }
    }
}
