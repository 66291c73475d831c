import BillingTestSupport
import Foundation
import Testing
@testable import BillingPostgres

@Suite struct MigrationRunnerTests {
    /// Files apply in numeric order of their version, however many leading zeros they have.
    @Test func discoversFilesInNumericOrder() throws {
        let files = try MigrationDirectory(url: MigrationFixtures.set("valid")).files()
        #expect(files.map(\.version) == ["0001", "0009", "00010"])
        #expect(files.allSatisfy { $0.runsInTransaction && $0.checksum.count == 64 })
    }

    /// A malformed migration name is an error naming the file; notes, dotfiles and the snapshot are ignored.
    @Test func rejectsMalformedNamesAndIgnoresNotes() throws {
        let ok = try MigrationFixtures.directory([
            "0001_a.sql": "SELECT 1;", ".gitkeep": "", "README.md": "notes", "schema.snapshot": "",
        ])
        #expect(try MigrationDirectory(url: ok).files().map(\.fileName) == ["0001_a.sql"])
        for bad in ["001_short.sql", "0002-dash.sql", "0002_.sql", "0002_name.txt", "notes.sql"] {
            let dir = try MigrationFixtures.directory(["0001_a.sql": "SELECT 1;", bad: "SELECT 2;"])
            let error = #expect(throws: MigrationError.self) { try MigrationDirectory(url: dir).files() }
            #expect(error?.code == .invalidFileName && error?.file == bad)
        }
    }

    /// Two files with the same version number are refused.
    @Test func rejectsDuplicateVersions() throws {
        let dir = try MigrationFixtures.directory(["0003_a.sql": "SELECT 1;", "00003_b.sql": "SELECT 2;"])
        let error = #expect(throws: MigrationError.self) { try MigrationDirectory(url: dir).files() }
        #expect(error?.code == .duplicateVersion)
    }

    /// The no-transaction marker is recognised on the first line only.
    @Test func recognisesTheNoTransactionMarker() throws {
        let files = try MigrationDirectory(url: MigrationFixtures.set("no_transaction")).files()
        #expect(files.map(\.runsInTransaction) == [true, false])
        let late = try MigrationFile(version: "0001", fileName: "0001_x.sql",
                                     contents: Array("SELECT 1;\n-- migrate:no-transaction\n".utf8))
        #expect(late.runsInTransaction)
    }

    /// Statements split at semicolons outside comments, strings, quoted identifiers and dollar quotes.
    @Test func splitsScriptsIntoStatements() {
        let sql = """
            -- a; comment
            CREATE TABLE "a;b" (x text DEFAULT 'c;d');
            /* block; /* nested; */ */ SELECT E'\\';' AS y;
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;
            SELECT $1;
            -- trailing comment only
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("CREATE TABLE \"a;b\" (x text DEFAULT 'c;d')"))
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$")
    }

    /// Deploy applies every file once and records it; a second deploy applies nothing.
    @Test func deployAppliesPendingFilesOnce() async throws {
        try await TestDatabase.withEmpty { url in
            let runner = MigrationRunner(directory: MigrationFixtures.set("valid"))
            let first = try await runner.deploy(databaseURL: url)
            #expect(first.applied.map(\.fileName) == ["0001_create_widgets.sql", "0009_add_widget_color.sql", "00010_index_widget_color.sql"])
            let second = try await runner.deploy(databaseURL: url)
            #expect(second.applied.isEmpty && second.alreadyApplied == 3)
            let rows = try await MigrationTestDB.query(url, "SELECT version FROM schema_migrations ORDER BY applied_at, version")
            #expect(rows.count == 3)
        }
    }

    /// An applied file whose content changed is refused, naming the file; status shows it as changed.
    @Test func refusesChecksumDrift() async throws {
        let dir = try MigrationFixtures.copy("valid")
        try await TestDatabase.withEmpty { url in
            let runner = MigrationRunner(directory: dir)
            try await runner.deploy(databaseURL: url)
            let file = dir.appendingPathComponent("0009_add_widget_color.sql")
            try Data("ALTER TABLE widgets ADD COLUMN colour text;\n".utf8).write(to: file)
            let error = await #expect(throws: MigrationError.self) { try await runner.deploy(databaseURL: url) }
            #expect(error?.code == .checksumMismatch)
            #expect(error?.file == "0009_add_widget_color.sql")
            #expect(error?.description.contains("0009_add_widget_color.sql") == true)
            let status = try await runner.status(databaseURL: url)
            #expect(status.entries.map(\.state) == [.applied, .changed, .applied])
            #expect(status.hasProblems)
        }
    }

    /// Two deploys at once end with each file applied exactly once (the advisory lock serialises them).
    @Test func concurrentDeploysApplyEachFileOnce() async throws {
        try await TestDatabase.withEmpty { url in
            let runner = MigrationRunner(directory: MigrationFixtures.set("concurrent"))
            async let a = runner.deploy(databaseURL: url)
            async let b = runner.deploy(databaseURL: url)
            let (ra, rb) = try await (a, b)
            #expect(ra.applied.count + rb.applied.count == 3)
            #expect(Set(ra.applied.map(\.version) + rb.applied.map(\.version)).count == 3)
            let log = try await MigrationTestDB.query(url, "SELECT file FROM deploy_log ORDER BY file")
            #expect(log.values.map { $0[0] } == ["0001", "0002", "0003"])
            #expect(try await MigrationTestDB.query(url, "SELECT * FROM schema_migrations").count == 3)
        }
    }

    /// A marked file runs outside a transaction, so CREATE INDEX CONCURRENTLY works; unmarked, it fails (25001).
    @Test func noTransactionMarkerAllowsConcurrentIndex() async throws {
        try await TestDatabase.withEmpty { url in
            let report = try await MigrationRunner(directory: MigrationFixtures.set("no_transaction")).deploy(databaseURL: url)
            #expect(report.applied.map(\.inTransaction) == [true, false])
            let index = try await MigrationTestDB.query(url, """
                SELECT x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relname = 'items_sku_idx'
                """)
            #expect(index.first?.bool("indisvalid") == true)
            #expect(try await MigrationTestDB.query(url, "SELECT items_note() AS n").first?.string("n") == "a;b")
        }
        let unmarked = try MigrationFixtures.directory([
            "0001_create_items.sql": "CREATE TABLE items (sku text);",
            "0002_index.sql": "CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);",
        ])
        try await TestDatabase.withEmpty { url in
            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(directory: unmarked).deploy(databaseURL: url)
            }
            #expect(error?.code == .migrationFailed && error?.file == "0002_index.sql" && error?.sqlState == SQLState.activeSQLTransaction)
            let status = try await MigrationRunner(directory: unmarked).status(databaseURL: url)
            #expect(status.entries.map(\.state) == [.applied, .pending])
        }
    }

    /// Status lists applied and pending files as a table and as JSON.
    @Test func statusRendersTableAndJSON() async throws {
        let dir = try MigrationFixtures.copy("valid")
        try await TestDatabase.withEmpty { url in
            let runner = MigrationRunner(directory: dir)
            let before = try await runner.status(databaseURL: url)
            #expect(before.entries.map(\.state) == [.pending, .pending, .pending] && !before.hasProblems)
            try await runner.deploy(databaseURL: url)
            try Data("SELECT 1;\n".utf8).write(to: dir.appendingPathComponent("0011_noop.sql"))
            let after = try await runner.status(databaseURL: url)
            let table = after.renderTable()
            #expect(table.hasPrefix("VERSION  FILE"))
            let row = table.split(separator: "\n").first { $0.hasPrefix("0011 ") }
            #expect(row?.split(separator: " ") == ["0011", "0011_noop.sql", "pending", "-"])
            #expect(table.hasSuffix("3 applied, 1 pending, 0 changed, 0 missing\n"))
            let json = try JSONSerialization.jsonObject(with: Data(after.renderJSON().utf8)) as? [String: Any]
            let summary = json?["summary"] as? [String: Int]
            #expect(summary == ["applied": 3, "pending": 1, "changed": 0, "missing": 0])
            let entries = json?["migrations"] as? [[String: Any]]
            #expect(entries?.first?["state"] as? String == "applied")
            #expect(entries?.last?["file"] as? String == "0011_noop.sql")
        }
    }
}
