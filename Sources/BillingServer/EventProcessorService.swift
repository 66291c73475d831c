import BillingCore
import BillingPostgres
import Foundation
import Logging
import ServiceLifecycle

/// The processor loop (SPEC §1.2): claims due events and settles them through the handler,
/// batch after batch, woken at once by `LISTEN/NOTIFY` and otherwise polling every
/// `pollInterval`. A `Service`: on graceful shutdown it finishes the batch in hand and returns.
public struct EventProcessorService: Service {
    let pool: PGPool
    let queue: EventQueue
    let handler: any EventHandler
    let metrics: BillingMetrics
    let logger: Logger
    let pollIntervalMilliseconds: Int32
    let loops: Int
    /// After a batch that was not full, how long to let events gather before claiming again.
    let gatherMilliseconds: Int
    let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - loops: processor loops in this process. Each takes its own share of the customers
    ///     (`EventQueue.partition`), so loops never contend for one client's rows.
    ///   - gatherMilliseconds: after a batch that was not full, the pause before the next claim.
    ///     Under steady load every commit of ingest wakes the processor; claiming at once gave
    ///     batches of ~25 events, each paying a claim, a client lock and a settle statement whose
    ///     cost hardly depends on the batch's size (a claim also walks the queue index's entries of
    ///     recently settled rows). A short pause lets a batch fill; events wait that much longer.
    public init(
        pool: PGPool, queue: EventQueue, handler: any EventHandler, metrics: BillingMetrics, logger: Logger,
        pollIntervalMilliseconds: Int32 = 1000, loops: Int = 1, gatherMilliseconds: Int = 200,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.pool = pool
        self.queue = queue
        self.loops = max(1, loops)
        self.gatherMilliseconds = max(0, gatherMilliseconds)
        self.handler = handler
        self.metrics = metrics
        self.logger = logger
        self.pollIntervalMilliseconds = pollIntervalMilliseconds
        self.now = now
    }

    public func run() async throws {
        logger.info("processor started", metadata: [LogKey.count: .stringConvertible(loops)])
        if loops == 1 {
            await runLoop(queue: queue, gauges: true)
        } else {
            await withDiscardingTaskGroup { group in
                for index in 0..<loops {
                    var share = queue
                    share.partition = (index, loops)
                    group.addTask { await self.runLoop(queue: share, gauges: index == 0) }
                }
            }
        }
        logger.info("processor stopped cleanly")
    }

    /// One loop: batches until nothing is due, then waits for a NOTIFY or the poll interval.
    private func runLoop(queue: EventQueue, gauges: Bool) async {
        var listener: PGConnection?
        var failures = 0
        var lastGauge = Date.distantPast
        var lastSweep = Date.distantPast
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await runBatch(queue)
                failures = 0
                if gauges, Date().timeIntervalSince(lastGauge) > 5 {
                    lastGauge = Date()
                    try await updateQueueGauges()
                }
                if gauges, Date().timeIntervalSince(lastSweep) > Self.awaitedClientSweepSeconds {
                    lastSweep = Date()
                    try await releaseEventsAwaitingClients()
                }
                if report.claimed == queue.batchSize { continue }  // more may be due right now
                if listener == nil { listener = try await PGConnection.connect(pool.url) }
                let wait = pollIntervalMilliseconds
                let woken = try await listener!.withSession { session in
                    try EventQueue.waitForDueEvents(timeoutMilliseconds: wait, in: session)
                }
                if woken > 0, gatherMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(gatherMilliseconds)) }
            } catch {
                failures += 1
                if let l = listener { await l.close() }
                listener = nil
                let delay = min(10.0, 0.25 * Double(1 << min(failures, 6)))
                logger.warning("processor waiting for the database", metadata: [LogKey.error: .string("\(error)")])
                try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            }
        }
        if let l = listener { await l.close() }
    }

    /// Claims and settles one batch; logs and counts each event.
    @discardableResult
    public func runBatch() async throws -> BatchReport {
        try await runBatch(queue)
    }

    private func runBatch(_ queue: EventQueue) async throws -> BatchReport {
        let handler = self.handler, now = self.now()
        let report = try await pool.withConnection { session in
            try queue.processBatch(handler: handler, in: session, now: now, clock: { Date().timeIntervalSince1970 })
        }
        for e in report.events {
            metrics.processed(seconds: e.seconds)
            if e.status == .processed || e.status == .ignored { metrics.hourly.processed() }
            if e.status == .failed {
                metrics.hourly.failed()
                metrics.eventFailed()
                metrics.alertRaised(type: "EVENT_PROCESSING_FAILED", severity: "CRITICAL")
            }
            // One line per settled event at debug only (counted by the metrics above); a failed
            // event, which also raises an alert, stays at info.
            logger.log(level: e.status == .failed ? .info : .debug, "event processed", metadata: [
                LogKey.eventId: .string(e.stripeEventId), LogKey.eventType: .string(e.type),
                LogKey.status: .string(e.status?.rawValue ?? "postponed"), LogKey.outcome: .string(e.outcome?.rawValue ?? "-"),
                LogKey.durationMs: .stringConvertible((e.seconds * 1000 * 100).rounded() / 100),
            ])
        }
        return report
    }

    /// How often the first loop re-queues unmatched events whose named client exists (the safety net
    /// behind the trigger of migration 0011, which releases them at once).
    static let awaitedClientSweepSeconds: TimeInterval = 30

    private func releaseEventsAwaitingClients() async throws {
        let released = try await pool.withConnection { session in
            try EventQueue.releaseEventsAwaitingExistingClients(in: session)
        }
        if released > 0 {
            logger.info("released unmatched events whose client appeared", metadata: [LogKey.count: .stringConvertible(released)])
        }
    }

    /// The `billing_events{status}` gauge for the statuses an event waits or stops in. Settled events
    /// (`processed`, `ignored`) are the log's bulk and grow forever: counting them scanned the whole
    /// table every few seconds (15 % of PostgreSQL's CPU under load), so they are not reported.
    private func updateQueueGauges() async throws {
        let (counts, oldest) = try await pool.withConnection { session in
            (try EventQueue.waitingCounts(in: session), try EventQueue.oldestWaiting(statuses: ["unmatched"], in: session))
        }
        for status in ["received", "processing", "retry", "unmatched", "failed"] {
            metrics.queueDepth(status: status, count: counts[status] ?? 0)
        }
        metrics.oldestUnmatched(ageSeconds: oldest.ageSeconds)
    }
}
