import BillingCore
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// The pool across a lost connection (issue 15): idle connections that died are replaced before
/// use, work lost before COMMIT is run once more, work that may have committed never; a busy
/// pool answers 503 after a bounded wait, and the waits are metrics.
@Suite struct PoolResilienceTests {
    static func app(settings: ServerSettings, pool: PGPool, metrics: BillingMetrics = BillingMetrics(), logs: LogCapture? = nil)
        -> some ApplicationProtocol
    {
        let logger = logs?.logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        return buildApplication(BillingApplicationParts(settings: settings, pool: pool, handler: CountingHandler(),
                                                        metrics: metrics, logger: logger), runProcessor: false)
    }

    /// The database connection is cut and restored while the service is idle: then 100 parallel
    /// requests, webhooks and admin reads and writes, all answer 2xx (none 503 or 500).
    @Test func idleCutThenHundredParallelRequestsAllSucceed() async throws {
        try await TestDatabase.withFresh { url in
            let proxy = try TCPProxy(targetPort: UInt16(URLComponents(string: url)?.port ?? 5432))
            let settings = TestApp.settings(url: proxy.url(through: url))
            // A generous wait: on a machine shared with other builds, 100 requests on 8 connections
            // may queue for a while; this test is about dead connections, not about the wait.
            let pool = PGPool(url: settings.databaseURL, size: 8, checkoutTimeout: .seconds(60))
            let direct = PGPool(url: url, size: 1)
            try await Self.app(settings: settings, pool: pool).test(.router) { client in
                // Open every pooled connection.
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<16 {
                        group.addTask { try await AdminTest.createClient(client, "clt_warm_\(i)").status }
                    }
                    for try await status in group { #expect(status == 201) }
                }
                proxy.cut()
                try await Task.sleep(for: .milliseconds(300))
                try proxy.restore()
                let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                    for i in 0..<100 {
                        group.addTask {
                            switch i % 4 {
                            case 0, 1:
                                return ("webhook", try await TestApp.deliver(client, TestApp.eventBody(id: "evt_after_cut_\(i)")).0)
                            case 2:
                                return ("admin list", try await AdminTest.get(client, "/api/admin/clients").status)
                            default:
                                return ("admin create", try await AdminTest.createClient(client, "clt_after_cut_\(i)").status)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.count == 100)
                let failed = statuses.filter { !(200..<300).contains($0.1) }
                #expect(failed.isEmpty, "non-2xx answers after the connection came back: \(failed)")
            }
            #expect(try await TestApp.count(direct, "SELECT count(*) FROM billing_events") == 50)
            #expect(try await TestApp.count(direct, "SELECT count(*) FROM clients WHERE id LIKE 'clt_after_cut_%'") == 25)
            await pool.shutdown()
            await direct.shutdown()
        }
    }

    /// After a cut while idle, the processor's next batch runs on a fresh connection; a cut in the
    /// middle of a batch (before its COMMIT) makes the pool run the batch again. Either way the
    /// event is settled once, with one attempt and no error recorded.
    @Test func processorBatchAfterCutRetriesWithoutCountingAnAttempt() async throws {
        try await TestDatabase.withFresh { url in
            let proxy = try TCPProxy(targetPort: UInt16(URLComponents(string: url)?.port ?? 5432))
            let pool = PGPool(url: proxy.url(through: url), size: 1)
            let direct = PGPool(url: url, size: 1)
            let queue = EventQueue()
            let handler = CountingHandler()
            try await JobTest.insertReceivedEvent(direct, id: "evt_warm")
            #expect(try await JobTest.processBatch(pool, queue, handler).processed == 1)

            // Cut while idle.
            try await JobTest.insertReceivedEvent(direct, id: "evt_after_idle_cut")
            proxy.cut()
            try await Task.sleep(for: .milliseconds(200))
            try proxy.restore()
            #expect(try await JobTest.processBatch(pool, queue, handler).processed == 1)

            // Cut inside the batch, after the claim, before COMMIT: the batch runs again.
            try await JobTest.insertReceivedEvent(direct, id: "evt_mid_batch_cut")
            let cutting = CuttingHandler(proxy: proxy)
            let done = try await TestApp.eventually(seconds: 30) {
                (try? await JobTest.processBatch(pool, queue, cutting))?.processed == 1
            }
            #expect(done)
            #expect(cutting.calls.withLock { $0 } >= 2, "the handler ran again after the cut")

            let rows = try await TestApp.rows(direct, "SELECT stripe_event_id, status, attempts, last_error FROM billing_events ORDER BY id")
            #expect(rows.map { $0.string("status") } == ["processed", "processed", "processed"])
            #expect(rows.map { $0.int("attempts") } == [1, 1, 1])
            #expect(rows.allSatisfy { $0.string("last_error") == nil })
            await pool.shutdown()
            await direct.shutdown()
        }
    }

    /// The handler's `committed` callback (metrics) runs after COMMIT: a connection lost right after a
    /// batch's writes can neither count the batch's decisions for work that was rolled back, nor count
    /// them twice when the batch runs again. (Called before COMMIT, the cut below made the commit fail,
    /// the batch run again, and the callback run twice for one event.)
    @Test func decisionsAreObservedOnceAfterTheCommit() async throws {
        try await TestDatabase.withFresh { url in
            let proxy = try TCPProxy(targetPort: UInt16(URLComponents(string: url)?.port ?? 5432))
            let pool = PGPool(url: proxy.url(through: url), size: 1)
            let direct = PGPool(url: url, size: 1)
            try await JobTest.insertReceivedEvent(direct, id: "evt_observed")
            let handler = CutOnCommitHandler(proxy: proxy)
            let done = try await TestApp.eventually(seconds: 30) {
                (try? await JobTest.processBatch(pool, EventQueue(), handler))?.processed == 1
            }
            #expect(done)
            #expect(handler.observed.withLock { $0 } == 1, "the committed callback ran once for one committed event")
            let row = try await TestApp.rows(direct, "SELECT status, attempts FROM billing_events").first
            #expect(row?.string("status") == "processed" && row?.int("attempts") == 1)
            await pool.shutdown()
            await direct.shutdown()
        }
    }

    /// Settles every event `applied`; its `committed` callback counts, and cuts the connection the first time.
    final class CutOnCommitHandler: EventHandler, Sendable {
        let proxy: TCPProxy
        let observed = Mutex(0)
        init(proxy: TCPProxy) { self.proxy = proxy }
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
            BatchHandling(results: events.map { _ in .success(.decided(.applied, clientId: nil)) }, committed: { [self] in
                let first = observed.withLock { n in n += 1; return n == 1 }
                if first {
                    proxy.cut()
                    try? proxy.restore()
                }
            })
        }
    }

    /// Cuts the connection (and lets it be re-established) the first time it handles an event.
    final class CuttingHandler: EventHandler, Sendable {
        let proxy: TCPProxy
        let calls = Mutex(0)
        init(proxy: TCPProxy) { self.proxy = proxy }
        func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
            let first = calls.withLock { n in n += 1; return n == 1 }
            if first {
                proxy.cut()
                try proxy.restore()
            }
            return BatchHandling(results: events.map { _ in .success(.decided(.applied, clientId: nil)) })
        }
    }

    /// Work lost before anything could have committed runs once more on a fresh connection; work
    /// that sent a statement outside a transaction (it may have committed) is never run again.
    @Test func retriesOnceBeforeCommitNeverAfter() async throws {
        try await TestDatabase.withFresh { url in
            let proxy = try TCPProxy(targetPort: UInt16(URLComponents(string: url)?.port ?? 5432))
            let metrics = BillingMetrics()
            let pool = PGPool(url: proxy.url(through: url), size: 1, observer: metrics.poolEvent)
            let direct = PGPool(url: url, size: 1)
            _ = try await TestApp.rows(pool, "SELECT 1 AS one")

            let runs = Mutex(0)
            try await pool.withTransaction { s in
                if runs.withLock({ n in n += 1; return n == 1 }) {
                    proxy.cut()
                    try proxy.restore()
                }
                try s.query("INSERT INTO clients (id, business_name) VALUES ('clt_retried', 'Retried')")
            }
            #expect(runs.withLock { $0 } == 2)

            let autocommitRuns = Mutex(0)
            await #expect(throws: PostgresError.self) {
                try await pool.withConnection { s in
                    autocommitRuns.withLock { $0 += 1 }
                    try s.query("INSERT INTO clients (id, business_name) VALUES ('clt_once', 'Once')")
                    proxy.cut()
                    try proxy.restore()
                    try s.query("SELECT 1")
                }
            }
            #expect(autocommitRuns.withLock { $0 } == 1)

            let committedRuns = Mutex(0)
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { s in
                    committedRuns.withLock { $0 += 1 }
                    try s.query("INSERT INTO clients (id, business_name) VALUES ('clt_commit', 'Commit')")
                    // The connection dies as COMMIT is sent: never run again.
                    proxy.cut()
                    try proxy.restore()
                }
            }
            #expect(committedRuns.withLock { $0 } == 1)

            let ids = try await TestApp.rows(direct, "SELECT id FROM clients ORDER BY id").compactMap { $0.string("id") }
            #expect(ids == ["clt_once", "clt_retried"])
            let text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(text.contains("billing_db_retries_total 1"))
            await pool.shutdown()
            await direct.shutdown()
        }
    }

    /// With every connection busy, a checkout waits `checkoutTimeout`, then the request is answered
    /// 503 `unavailable`; the waiting gauge, the wait histogram and the timeout counter show it.
    @Test func busyPoolAnswers503AfterBoundedWait() async throws {
        try await TestDatabase.withFresh { url in
            let metrics = BillingMetrics()
            let pool = PGPool(url: url, size: 1, checkoutTimeout: .milliseconds(300), observer: metrics.poolEvent)
            let direct = PGPool(url: url, size: 1)
            // Held until the checks are done (then cancelled), however slow the machine is.
            let held = Task { try? await pool.withConnection { s in try s.query("SELECT pg_sleep(120) AS held") } }
            let holding = try await TestApp.eventually(seconds: 30) {
                try await TestApp.count(direct, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(120) AS held%'") == 1
            }
            #expect(holding)
            // Without the bound this request would wait for the held connection and answer 200.
            try await Self.app(settings: TestApp.settings(url: url), pool: pool, metrics: metrics).test(.router) { client in
                let answer = try await AdminTest.get(client, "/api/admin/clients")
                #expect(answer.status == 503 && answer.errorCode == "unavailable")
            }
            let error = await #expect(throws: PostgresError.self) { _ = try await pool.withConnection { _ in 0 } }
            #expect(error?.kind == .checkoutTimeout && error?.isConnectionFailure == true)
            _ = try await TestApp.rows(direct, """
                SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(120) AS held%'
                """)
            _ = await held.value
            let text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(text.contains("billing_db_checkout_timeouts_total"))
            #expect(text.contains("billing_db_checkout_wait_seconds_count"))
            #expect(text.contains("billing_db_checkouts_waiting 0"))
            await pool.shutdown()
            await direct.shutdown()
        }
    }

    /// A request that fails because the database is unreachable logs a fixed message with the
    /// error's kind and SQLSTATE, never libpq's text (which names host and port) or the password.
    @Test func connectionFailureLogsNoLibpqText() async throws {
        try await TestDatabase.withFresh { url in
            let proxy = try TCPProxy(targetPort: UInt16(URLComponents(string: url)?.port ?? 5432))
            var through = URLComponents(string: proxy.url(through: url))!
            through.password = "p%ss@w=rd"
            let settings = TestApp.settings(url: through.string!)
            let pool = PGPool(url: settings.databaseURL, size: 2)
            let logs = LogCapture()
            proxy.cut()
            try await Self.app(settings: settings, pool: pool, logs: logs).test(.router) { client in
                let status = try await TestApp.deliver(client, TestApp.eventBody(id: "evt_db_down")).0
                #expect(status == 503)
            }
            let all = logs.all.joined(separator: "\n")
            #expect(all.contains("webhook event not stored"))
            #expect(all.contains("cannot connect to PostgreSQL (connection refused)"))
            #expect(all.contains("08001"))
            for fragment in ["127.0.0.1", "port \(proxy.port)", "Connection refused", "Is the server running", "p%ss", "w=rd", "p%25ss"] {
                #expect(!all.contains(fragment), "a log line contains \(fragment)")
            }
            await pool.shutdown()
        }
    }
}
