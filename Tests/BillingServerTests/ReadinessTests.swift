import BillingPostgres
@testable import BillingServer
import BillingTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// `/readyz` under a flood and the internal port (issue 16).
@Suite struct ReadinessTests {
    /// Many `/readyz` calls within one period, concurrent or not, cost one readiness check.
    @Test func readyzIsCachedForItsPeriod() async throws {
        let checks = Mutex(0)
        try await TestApp.withApp(configure: { $0.readinessCacheSeconds = 3600 }, readiness: { _ in
            checks.withLock { $0 += 1 }
            return nil
        }) { client, _ in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await client.execute(uri: "/readyz", method: .get) { Int($0.status.code) } }
                }
                for try await status in group { #expect(status == 200) }
            }
            for _ in 0..<50 {
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/readyz", method: .get) { #expect(String(buffer: $0.body) == #"{"status":"ready"}"#) }
            try await client.execute(uri: "/healthz", method: .get) { #expect(String(buffer: $0.body) == #"{"status":"ok"}"#) }
            #expect(checks.withLock { $0 } == 1)
        }
    }

    /// Once its period has passed, the cache checks again and serves the new answer.
    @Test func readinessIsCheckedAgainAfterThePeriod() async throws {
        let checks = Mutex(0)
        let cache = ReadinessCache(period: .milliseconds(200)) {
            checks.withLock { $0 += 1; return $0 == 1 ? nil : "migrations not applied: 9999_x.sql (pending)" }
        }
        #expect(await cache.current() == nil)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await cache.current() == "migrations not applied: 9999_x.sql (pending)")
        #expect(checks.withLock { $0 } == 2)
    }

    /// With an internal port, the public router no longer serves health, readiness or metrics;
    /// the internal router serves exactly those.
    @Test func internalPortTakesTheOperationalRoutes() async throws {
        let url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
        var settings = TestApp.settings(url: url)
        settings.internalPort = 9091
        let pool = PGPool(url: url, size: 1)
        let parts = BillingApplicationParts(settings: settings, pool: pool, handler: CountingHandler(),
                                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let publicPaths = Set(buildRouter(parts).routes.map { $0.path.description })
        let internalPaths = Set(buildInternalRouter(parts).routes.map { $0.path.description })
        #expect(internalPaths == ["/healthz", "/readyz", "/metrics"])
        #expect(publicPaths.isDisjoint(with: internalPaths))
        #expect(publicPaths.contains("/webhooks/stripe"))
        try await Application(router: buildInternalRouter(parts)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
        await pool.shutdown()
    }
}
