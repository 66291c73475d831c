import Foundation

extension MigrationRunner {
    /// The shadow check: creates an empty throwaway database, applies every file through the
    /// deploy path, compares the resulting schema with `schema.snapshot` (or rewrites the
    /// snapshot when `updateSnapshot`), and — when `databaseURL` names a migrated database —
    /// compares that database with the snapshot too. The throwaway database is always dropped.
    ///
    /// - Parameters:
    ///   - databaseURL: the operator's database; its server hosts the throwaway database
    ///     unless `shadowURL` is given.
    ///   - shadowURL: a server (any database on it, e.g. `…/postgres`) on which to create the
    ///     throwaway database instead.
    ///   - updateSnapshot: write the shadow schema to `schema.snapshot` instead of comparing.
    /// - Throws: `MigrationError`; a failing migration gives `migration_failed` naming the file
    ///   with PostgreSQL's SQLSTATE and message.
    public func verify(databaseURL: String, shadowURL: String? = nil, updateSnapshot: Bool = false) async throws -> VerifyReport {
        let files = try directory.files()
        let server = shadowURL ?? databaseURL
        let shadowName = "billing_shadow_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let shadow = try await withThrowawayDatabase(server: server, name: shadowName) { url in
            let deploy = MigrationRunner(directory: directory.url, lockTimeout: lockTimeout)
            _ = try await deploy.deploy(databaseURL: url)
            return try await Self.withConnection(url) { try SchemaSnapshot.read(from: $0) }
        }

        let snapshotPath = directory.snapshotURL.path
        let expected: SchemaSnapshot
        var shadowDrift: [SchemaDrift] = []
        if updateSnapshot {
            do {
                try Data(shadow.rendered().utf8).write(to: directory.snapshotURL, options: .atomic)
            } catch {
                throw MigrationError(.snapshotUnwritable, message: "cannot write \(snapshotPath): \(error.localizedDescription)")
            }
            expected = shadow
        } else {
            guard let data = FileManager.default.contents(atPath: snapshotPath) else {
                throw MigrationError(.snapshotMissing, message:
                    "\(snapshotPath) does not exist; create it with `billing-worker migrate verify --update-snapshot` and commit it")
            }
            expected = SchemaSnapshot(parsing: String(decoding: data, as: UTF8.self))
            shadowDrift = shadow.drift(from: expected)
        }

        let database = try await Self.checkDatabase(databaseURL, files: files, expected: expected)
        return VerifyReport(files: files.map(\.fileName), shadowDatabase: shadowName,
                            shadowOnSeparateServer: shadowURL != nil, snapshotPath: snapshotPath,
                            snapshotWritten: updateSnapshot, objectCount: shadow.objects.count,
                            shadowDrift: shadowDrift, database: database)
    }

    /// Creates `name` on `server` from `template0`, runs `body` with its URL, drops it (FORCE)
    /// whatever happens.
    func withThrowawayDatabase<T: Sendable>(
        server: String, name: String, _ body: (String) async throws -> T
    ) async throws -> T {
        do {
            try await Self.withConnection(server) { s in
                _ = try s.query(PGQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE template0"))
            }
        } catch let error as MigrationError {
            throw MigrationError(.shadowDatabase, sqlState: error.sqlState, message:
                "cannot create the throwaway database \(name) (the role needs CREATEDB, or pass --shadow-url): \(error.message)")
        }
        let result: Result<T, any Error>
        do { result = .success(try await body(PostgresURL.replacingDatabase(in: server, with: name))) } catch {
            result = .failure(error)
        }
        do {
            try await Self.withConnection(server) { s in
                _ = try s.query(PGQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            }
        } catch {
            if case .success = result {
                throw MigrationError(.shadowDatabase, message: "cannot drop the throwaway database \(name): \(error)")
            }
        }
        return try result.get()
    }

    /// Compares the operator's database with the snapshot when it is migrated.
    static func checkDatabase(_ url: String, files: [MigrationFile], expected: SchemaSnapshot) async throws -> VerifyReport.DatabaseCheck {
        try await withConnection(url) { session in
            let applied = try applied(session)
            guard !applied.isEmpty else { return .notMigrated }
            let status = MigrationStatusReport(entries: MigrationStatusReport.entries(files: files, applied: applied))
            let drift = try SchemaSnapshot.read(from: session).drift(from: expected)
            return .checked(drift: drift, status: status)
        }
    }
}

/// The result of `MigrationRunner.verify`.
public struct VerifyReport: Sendable, Hashable {
    /// What was found in the operator's database (`DATABASE_URL`).
    public enum DatabaseCheck: Sendable, Hashable {
        /// It has no `schema_migrations` rows: nothing to compare.
        case notMigrated
        /// Compared with the snapshot.
        case checked(drift: [SchemaDrift], status: MigrationStatusReport)
    }

    /// Files applied to the throwaway database, in order.
    public let files: [String]
    public let shadowDatabase: String
    public let shadowOnSeparateServer: Bool
    public let snapshotPath: String
    /// True when `--update-snapshot` rewrote the snapshot (then `shadowDrift` is empty).
    public let snapshotWritten: Bool
    public let objectCount: Int
    /// How the freshly migrated throwaway database differs from the snapshot.
    public let shadowDrift: [SchemaDrift]
    public let database: DatabaseCheck

    /// Drift per object of the operator's database (empty when not checked).
    public var databaseDrift: [SchemaDrift] {
        if case .checked(let drift, _) = database { return drift }
        return []
    }

    /// True when neither the shadow database nor the operator's database differs from the snapshot.
    public var passed: Bool { shadowDrift.isEmpty && databaseDrift.isEmpty }

    /// The human-readable report printed by `billing-worker migrate verify`.
    public func rendered() -> String {
        let server = shadowOnSeparateServer ? "the --shadow-url server" : "the DATABASE_URL server"
        var out = "shadow: applied \(files.count) migration file(s) to throwaway database \(shadowDatabase) on \(server) (dropped)\n"
        if snapshotWritten {
            out += "shadow: wrote \(snapshotPath) (\(objectCount) objects)\n"
        } else if shadowDrift.isEmpty {
            out += "shadow: schema matches \(snapshotPath) (\(objectCount) objects)\n"
        } else {
            out += "shadow: schema differs from \(snapshotPath) in \(shadowDrift.count) object(s)"
            out += " (update it with `migrate verify --update-snapshot` if the migrations are right):\n"
            out += shadowDrift.map { "  \($0)\n" }.joined()
        }
        switch database {
        case .notMigrated:
            out += "database: DATABASE_URL has no schema_migrations: not migrated, drift check skipped\n"
        case .checked(let drift, let status):
            let pending = status.count(.pending), changed = status.count(.changed), missing = status.count(.missing)
            if pending + changed + missing > 0 {
                out += "database: \(pending) pending, \(changed) changed, \(missing) missing migration file(s) (see `migrate status`)\n"
            }
            if drift.isEmpty {
                out += "database: schema matches the snapshot\n"
            } else {
                out += "database: schema differs from the snapshot in \(drift.count) object(s):\n"
                out += drift.map { "  \($0)\n" }.joined()
            }
        }
        out += passed ? "verify: ok\n" : "verify: FAILED (drift)\n"
        return out
    }
}
