import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// Migration 0015 (issue 19): rows stored as jsonb by the previous version move to `body` text in batches,
/// pruned rows stay pruned, and the migration can simply run again.
@Suite struct EventBodyMigrationTests {
    @Test func jsonbRowsMoveToTextBodies() async throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: TestDatabase.repositoryRoot().appendingPathComponent("migrations").path)
            .filter { $0.hasSuffix(".sql") }
        let before = all.filter { $0 < "0015" }
        let source = TestDatabase.repositoryRoot().appendingPathComponent("migrations")
        var files: [String: String] = [:]
        for name in before { files[name] = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8) }
        let dir = try MigrationFixtures.directory(files)
        try await TestDatabase.withEmpty { url in
            _ = try await MigrationRunner(directory: dir).deploy(databaseURL: url)
            try await MigrationTestDB.query(url, """
                INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, payload, status)
                SELECT 'evt_old_' || g, 'invoice.paid', now(), jsonb_build_object('id', 'evt_old_' || g, 'object', 'event', 'n', g),
                       'processed'
                FROM generate_series(1, 12003) g
                """)
            try await MigrationTestDB.query(url, """
                INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, payload, status)
                VALUES ('evt_pruned', 'invoice.paid', now(), NULL, 'processed')
                """)
            for name in all where name >= "0015" {
                try Data(contentsOf: source.appendingPathComponent(name)).write(to: dir.appendingPathComponent(name))
            }
            let report = try await MigrationRunner(directory: dir).deploy(databaseURL: url)
            #expect(report.applied.map(\.fileName).contains("0015_event_body_text.sql"))
            let rows = try await MigrationTestDB.query(url, """
                SELECT count(*) FILTER (WHERE body IS NOT NULL AND payload IS NULL) AS moved,
                       count(*) FILTER (WHERE payload IS NOT NULL) AS left,
                       count(*) FILTER (WHERE stripe_event_id = 'evt_pruned' AND body IS NULL) AS pruned,
                       bool_and(body::jsonb->>'id' = stripe_event_id) FILTER (WHERE body IS NOT NULL) AS same
                FROM billing_events
                """).first
            #expect(rows?.int("moved") == 12003 && rows?.int("left") == 0 && rows?.int("pruned") == 1)
            #expect(rows?.bool("same") == true)
            let shown = try await MigrationTestDB.query(url, """
                SELECT billing_event_body_json(body)->>'n' AS n FROM billing_events WHERE stripe_event_id = 'evt_old_7'
                """).first?.string("n")
            #expect(shown == "7")
            let unparsable = try await MigrationTestDB.query(url, #"SELECT billing_event_body_json('{"a":"\u0000"}') #>> '{}' AS s"#)
            #expect(unparsable.first?.string("s") == #"{"a":"\u0000"}"#)
        }
    }
}
