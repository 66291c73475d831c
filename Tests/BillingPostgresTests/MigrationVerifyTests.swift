import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

@Suite struct MigrationVerifyTests {
    /// The seed's failure (Prisma P3006): a file indexing a column no earlier file created fails
    /// verify, naming that file with SQLSTATE 42703.
    @Test func brokenSetFailsNamingFileAndSQLState() async throws {
        let url = try TestDatabase.serverURL()
        let runner = MigrationRunner(directory: MigrationFixtures.set("broken"))
        let error = await #expect(throws: MigrationError.self) { try await runner.verify(databaseURL: url) }
        #expect(error?.code == .migrationFailed)
        #expect(error?.file == "0002_index_subscription_status.sql")
        #expect(error?.sqlState == SQLState.undefinedColumn)
        #expect(error?.description == #"migration_failed: 0002_index_subscription_status.sql: SQLSTATE 42703: column "status" does not exist"#)
    }

    /// The real migrations/ applied to a throwaway database match the committed schema.snapshot,
    /// and a freshly migrated DATABASE_URL database shows no drift.
    @Test func realMigrationsMatchCommittedSnapshot() async throws {
        try await TestDatabase.withFresh { url in
            let report = try await MigrationRunner(directory: TestDatabase.migrationsDirectory).verify(databaseURL: url)
            #expect(report.shadowDrift.isEmpty, "\(report.rendered())")
            #expect(report.passed, "\(report.rendered())")
            guard case .checked(let drift, let status) = report.database else {
                Issue.record("the migrated database was not checked")
                return
            }
            #expect(drift.isEmpty && status.isUpToDate)
            #expect(report.rendered().hasSuffix("database: schema matches the snapshot\nverify: ok\n"))
            let left = try await MigrationTestDB.query(url, "SELECT 1 FROM pg_database WHERE datname = \(report.shadowDatabase)")
            #expect(left.isEmpty, "the throwaway database is dropped")
        }
    }

    /// A schema changed by hand is reported as drift, object by object.
    @Test func handChangedSchemaIsReportedPerObject() async throws {
        try await TestDatabase.withFresh { url in
            for sql in [
                "ALTER TABLE clients ADD COLUMN nickname text",
                "ALTER TABLE clients ALTER COLUMN business_name DROP NOT NULL",
                "DROP INDEX client_billing_status_idx",
                "ALTER TABLE alert_logs DISABLE TRIGGER alert_logs_refuse_delete",
            ] { try await MigrationTestDB.query(url, PGQuery(unsafeSQL: sql)) }
            let report = try await MigrationRunner(directory: TestDatabase.migrationsDirectory).verify(databaseURL: url)
            #expect(!report.passed && report.shadowDrift.isEmpty)
            let drift = Dictionary(uniqueKeysWithValues: report.databaseDrift.map { ("\($0.kind) \($0.name)", $0.change) })
            #expect(drift.count == 4)
            #expect(drift["column clients.nickname"] == .unexpected(actual: "text"))
            #expect(drift["column clients.business_name"] == .changed(expected: "text not null", actual: "text"))
            if case .missing = drift["index client_billing.client_billing_status_idx"] {} else {
                Issue.record("dropped index not reported: \(report.rendered())")
            }
            if case .changed(_, let actual) = drift["trigger alert_logs.alert_logs_refuse_delete"] {
                #expect(actual.hasSuffix("[DISABLED]"))
            } else {
                Issue.record("disabled trigger not reported: \(report.rendered())")
            }
            let text = report.rendered()
            #expect(text.contains("database: schema differs from the snapshot in 4 object(s):"))
            #expect(text.contains("  + column clients.nickname unexpected"))
            #expect(text.hasSuffix("verify: FAILED (drift)\n"))
        }
    }

    /// --update-snapshot writes the snapshot; a later migration that is not in it is shadow drift.
    @Test func updateSnapshotThenDetectShadowDrift() async throws {
        let dir = try MigrationFixtures.copy("valid")
        let url = try TestDatabase.serverURL()
        let runner = MigrationRunner(directory: dir)
        let written = try await runner.verify(databaseURL: url, updateSnapshot: true)
        #expect(written.snapshotWritten && written.passed)
        let snapshot = try String(contentsOf: dir.appendingPathComponent("schema.snapshot"), encoding: .utf8)
        #expect(snapshot.contains("index widgets.widgets_color_idx: CREATE INDEX widgets_color_idx ON public.widgets USING btree (color)"))
        #expect(try await runner.verify(databaseURL: url).passed)

        try Data("ALTER TABLE widgets ADD COLUMN size integer;\n".utf8)
            .write(to: dir.appendingPathComponent("0011_add_widget_size.sql"))
        let drifted = try await runner.verify(databaseURL: url)
        #expect(!drifted.passed)
        #expect(drifted.shadowDrift.map(\.description) == ["+ column widgets.size unexpected (not in the snapshot; database has: integer)"])
    }

    /// A missing snapshot is a clear error that says how to create it.
    @Test func missingSnapshotIsAnError() async throws {
        let url = try TestDatabase.serverURL()
        let error = await #expect(throws: MigrationError.self) {
            try await MigrationRunner(directory: MigrationFixtures.set("valid")).verify(databaseURL: url)
        }
        #expect(error?.code == .snapshotMissing)
        #expect(error?.message.contains("--update-snapshot") == true)
    }

    /// Connection URLs are rewritten to reach another database on the same server.
    @Test func replacesTheDatabaseInURLs() {
        #expect(PostgresURL.replacingDatabase(in: "postgresql://u@h:5432/postgres?sslmode=disable", with: "x")
                == "postgresql://u@h:5432/x?sslmode=disable")
        #expect(PostgresURL.replacingDatabase(in: "postgres://u@h", with: "x") == "postgres://u@h/x")
        #expect(PostgresURL.replacingDatabase(in: "host=h dbname=a", with: "x") == "host=h dbname=a dbname=x")
        #expect(PostgresURL.redacted("postgresql://u:secret@h/db") == "postgresql://u:***@h/db")
    }
}
