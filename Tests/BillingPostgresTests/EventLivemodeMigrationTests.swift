import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// Migration 0016 (issue 17): `billing_events.livemode` takes NULL (a body without `livemode`) and has no
/// default; rows and inserts of the previous version keep working during a rolling update.
@Suite struct EventLivemodeMigrationTests {
    @Test func livemodeTakesNullAndThePreviousVersionsInsertsStillWork() async throws {
        let source = TestDatabase.repositoryRoot().appendingPathComponent("migrations")
        let all = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".sql") }
        var files: [String: String] = [:]
        for name in all where name < "0016" {
            files[name] = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
        }
        let dir = try MigrationFixtures.directory(files)
        // The previous version's two inserts, as they named the column: import with false, webhook with NULL.
        @Sendable func insert(_ id: String, livemode: String) -> String {
            """
            INSERT INTO billing_events (stripe_event_id, type, api_version, livemode, stripe_created_at, body, status, source,
                                        delivery_count)
            VALUES ('\(id)', 'invoice.paid', '2025-03-31.basil', \(livemode), now(), '{}', 'received', 'import', 0)
            """
        }
        try await TestDatabase.withEmpty { url in
            _ = try await MigrationRunner(directory: dir).deploy(databaseURL: url)
            #expect(try await MigrationTestDB.refusal(url, insert("evt_old_false", livemode: "false")) == nil)
            // Before: NOT NULL refused a webhook delivery without livemode (answered 503, never stored).
            #expect(try await MigrationTestDB.refusal(url, insert("evt_old_null", livemode: "NULL"))?.isNotNullViolation == true)

            for name in all where name >= "0016" {
                try Data(contentsOf: source.appendingPathComponent(name)).write(to: dir.appendingPathComponent(name))
            }
            let report = try await MigrationRunner(directory: dir).deploy(databaseURL: url)
            #expect(report.applied.map(\.fileName).contains("0016_event_livemode_as_given.sql"))

            #expect(try await MigrationTestDB.refusal(url, insert("evt_false", livemode: "false")) == nil)
            #expect(try await MigrationTestDB.refusal(url, insert("evt_null", livemode: "NULL")) == nil)
            #expect(try await MigrationTestDB.refusal(url, """
                INSERT INTO billing_events (stripe_event_id, type, stripe_created_at) VALUES ('evt_omitted', 'invoice.paid', now())
                """) == nil)
            let rows = try await MigrationTestDB.query(url, """
                SELECT stripe_event_id, livemode IS NULL AS unknown FROM billing_events ORDER BY stripe_event_id
                """).rows
            #expect(rows.map { $0.string("stripe_event_id") } == ["evt_false", "evt_null", "evt_old_false", "evt_omitted"])
            #expect(rows.map { $0.bool("unknown") } == [false, true, false, true])
        }
    }
}
