import BillingCore
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// `/readyz` and `/metrics` as operators and Kubernetes see them (SPEC §7, §10).
@Suite struct AdminOperationsTests {
    /// The Prometheus text of `GET /metrics`.
    static func metricsText(_ client: some TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/metrics", method: .get) { response in
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            return String(buffer: response.body)
        }
    }

    /// The value of the sample `series` (name and labels exactly as exposed), 0 when absent.
    static func value(_ text: String, _ series: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? -1
        }
        return 0
    }

    /// An application on `url` whose `/readyz` also checks the repository's migrations.
    static func withReadinessApp(
        url: String, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let pool = PGPool(url: url, size: 2)
        let parts = BillingApplicationParts(
            settings: TestApp.settings(url: url), pool: pool, handler: CountingHandler(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            readiness: MigrationReadiness.check(directory: TestDatabase.migrationsDirectory.path))
        do {
            try await buildApplication(parts, runProcessor: false).test(.router) { client in try await body(client) }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }

    /// While the database is unreachable, `/readyz` and the admin API answer 503 `unavailable`; both recover.
    @Test func readyzIs503WhileTheDatabaseIsDown() async throws {
        try await TestDatabase.withFresh { url in
            let proxy = try TCPProxy(targetPort: UInt16(URLComponents(string: url)?.port ?? 5432))
            try await Self.withReadinessApp(url: proxy.url(through: url)) { client in
                #expect(try await AdminTest.get(client, "/readyz", token: nil).status == 200)
                proxy.cut()
                let ready = try await AdminTest.get(client, "/readyz", token: nil)
                #expect(ready.status == 503 && ready.errorCode == "unavailable")
                let list = try await AdminTest.get(client, "/api/admin/clients")
                #expect(list.status == 503 && list.errorCode == "unavailable")
                try proxy.restore()
                #expect(try await AdminTest.get(client, "/readyz", token: nil).status == 200)
                #expect(try await AdminTest.get(client, "/api/admin/clients").status == 200)
            }
        }
    }

    /// A database that misses one applied migration answers `/readyz` 503 naming it; applied again, 200.
    @Test func readyzIs503WhileAMigrationIsPending() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            try await Self.withReadinessApp(url: url) { client in
                #expect(try await AdminTest.get(client, "/readyz", token: nil).status == 200)
                let removed = try #require(try await TestApp.rows(pool, """
                    DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)
                    RETURNING version, checksum, file_name
                    """).first)
                let pending = try await AdminTest.get(client, "/readyz", token: nil)
                #expect(pending.status == 503 && pending.errorCode == "unavailable")
                let message = (pending.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("migrations not applied"))
                let (version, checksum, file) = (removed.string("version"), removed.string("checksum"), removed.string("file_name"))
                _ = try await pool.withConnection { s in
                    try s.query("INSERT INTO schema_migrations (version, checksum, file_name) VALUES (\(version), \(checksum), \(file))")
                }
                #expect(try await AdminTest.get(client, "/readyz", token: nil).status == 200)
            }
            await pool.shutdown()
        }
    }

    /// During a rolling update the database is migrated ahead of the replicas still running the previous
    /// version: a migration recorded in `schema_migrations` that this replica's folder does not hold keeps it
    /// ready (every file of its folder is applied — SPEC §7), so the old replicas go on serving until they are
    /// replaced. A file edited after it was applied still makes it unready.
    @Test func readyzStaysReadyWhenTheDatabaseIsAheadOfThisVersion() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            try await Self.withReadinessApp(url: url) { client in
                _ = try await pool.withConnection { s in
                    try s.query("""
                        INSERT INTO schema_migrations (version, checksum, file_name)
                        VALUES ('9999', 'abc', '9999_of_the_next_version.sql')
                        """)
                }
                #expect(try await AdminTest.get(client, "/readyz", token: nil).status == 200)
                _ = try await pool.withConnection { s in
                    try s.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = (SELECT min(version) FROM schema_migrations)")
                }
                let changed = try await AdminTest.get(client, "/readyz", token: nil)
                #expect(changed.status == 503)
                let message = (changed.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("(changed)"))
            }
            await pool.shutdown()
        }
    }

    /// `billing_webhook_requests_total{outcome="stored"}` moves by one after a webhook delivery.
    @Test func webhookTrafficMovesAMetric() async throws {
        try await TestApp.withApp { client, _ in
            let series = #"billing_webhook_requests_total{outcome="stored"}"#
            let before = Self.value(try await Self.metricsText(client), series)
            #expect(try await TestApp.deliver(client, TestApp.eventBody(id: "evt_metric")).0 == 200)
            let after = Self.value(try await Self.metricsText(client), series)
            #expect(after == before + 1)
        }
    }
}
