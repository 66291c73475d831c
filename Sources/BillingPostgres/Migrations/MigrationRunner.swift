import Foundation

/// Applies the versioned SQL files of a migrations directory and reports their state.
///
/// - `deploy` applies pending files in numeric order, each in its own transaction (or
///   statement by statement when the file starts with `-- migrate:no-transaction`), under a
///   PostgreSQL advisory lock so that concurrent deploys apply each file once; it refuses to
///   run when an applied file's checksum changed or an applied file is missing.
/// - `status` lists applied, pending, changed and missing files.
/// - `verify` is the shadow check (see `MigrationRunner+Verify.swift`).
///
/// Bookkeeping lives in `schema_migrations(version, checksum, file_name, applied_at, execution_ms)`.
/// Every method throws `MigrationError`.
public struct MigrationRunner: Sendable {
    /// The advisory lock key held while deploying (`pg_advisory_lock`): "billmigr" in ASCII.
    public static let advisoryLockKey: Int64 = 0x6269_6C6C_6D69_6772

    public let directory: MigrationDirectory
    /// How long `deploy` waits for another deploy's lock before giving up.
    public var lockTimeout: Duration

    /// - Parameters:
    ///   - directory: the migrations directory (`migrations/`).
    ///   - lockTimeout: how long `deploy` waits for a concurrent deploy to finish.
    public init(directory: URL, lockTimeout: Duration = .seconds(600)) {
        self.directory = MigrationDirectory(url: directory)
        self.lockTimeout = lockTimeout
    }

    /// Applies every pending migration to the database at `databaseURL`, then, when `appRole` is
    /// given, grants that role the application's privileges (every run; see `MigrationRunner+Grants`).
    /// - Parameters:
    ///   - appRole: the role `serve` and the jobs connect as (`BILLING_APP_ROLE`); `nil` when they
    ///     use the owner's URL too.
    ///   - progress: called (on the connection's thread) after each applied file.
    /// - Returns: what was applied; an up-to-date database gives an empty `applied` list.
    @discardableResult
    public func deploy(
        databaseURL: String, appRole: String? = nil, progress: (@Sendable (AppliedMigration) -> Void)? = nil
    ) async throws -> DeployReport {
        let files = try directory.files()
        let timeout = lockTimeout
        return try await Self.withConnection(databaseURL) { session in
            try Self.withLock(session, timeout: timeout) {
                try session.execute(script: Self.createTableSQL)
                let entries = MigrationStatusReport.entries(files: files, applied: try Self.applied(session))
                try Self.refuseUnsafe(entries)
                var applied: [AppliedMigration] = []
                for file in files where entries.contains(where: { $0.file == file.fileName && $0.state == .pending }) {
                    let done = try Self.apply(file, session)
                    applied.append(done)
                    progress?(done)
                }
                if let appRole { try Self.grant(appRole, in: session) }
                return DeployReport(applied: applied, alreadyApplied: files.count - applied.count)
            }
        }
    }

    /// The state of every migration file and every recorded migration.
    public func status(databaseURL: String) async throws -> MigrationStatusReport {
        let files = try directory.files()
        let applied = try await Self.withConnection(databaseURL) { try Self.applied($0) }
        return MigrationStatusReport(entries: MigrationStatusReport.entries(files: files, applied: applied))
    }

    // MARK: - Internals shared with verify

    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version      text PRIMARY KEY,
            checksum     text NOT NULL,
            file_name    text NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now(),
            execution_ms integer
        )
        """

    /// Opens a connection, runs `body` on its thread, closes it. Connection failures become
    /// `database_unavailable`.
    static func withConnection<T: Sendable>(
        _ url: String, _ body: @escaping @Sendable (PGSession) throws -> T
    ) async throws -> T {
        let conn: PGConnection
        do { conn = try await PGConnection.connect(url) } catch {
            throw MigrationError.database(error, doing: "cannot connect to \(PostgresURL.redacted(url))")
        }
        do {
            // Keep the server's NOTICEs ("… already exists, skipping") off the operator's stderr.
            let value = try await conn.withSession { session in
                try session.execute(script: "SET client_min_messages = warning")
                return try body(session)
            }
            await conn.close()
            return value
        } catch {
            await conn.close()
            throw MigrationError.database(error, doing: "database error")
        }
    }

    /// The recorded migrations (empty when `schema_migrations` does not exist yet).
    static func applied(_ session: PGSession) throws -> [RecordedMigration] {
        let exists = try session.query("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS e").first?.bool("e")
        guard exists == true else { return [] }
        return try session.query("SELECT version, checksum, file_name, applied_at::text AS applied_at FROM schema_migrations")
            .rows.map {
                RecordedMigration(version: $0.string("version") ?? "", checksum: $0.string("checksum") ?? "",
                                  fileName: $0.string("file_name") ?? "", appliedAt: $0.string("applied_at") ?? "")
            }
    }

    private static func refuseUnsafe(_ entries: [MigrationStatusReport.Entry]) throws {
        if let changed = entries.first(where: { $0.state == .changed }) {
            throw MigrationError(.checksumMismatch, file: changed.file, message:
                "was changed after it was applied (checksum \(changed.appliedChecksum ?? "?") in the database, \(changed.checksum ?? "?") on disk); restore the applied version and put the change in a new migration file")
        }
        if let missing = entries.first(where: { $0.state == .missing }) {
            throw MigrationError(.missingFile, file: missing.file, message:
                "is recorded as applied (version \(missing.version)) but is not in the migrations directory; deploy from a checkout that contains it")
        }
    }

    private static func withLock<T>(_ session: PGSession, timeout: Duration, _ body: () throws -> T) throws -> T {
        let key = Self.advisoryLockKey
        let deadline = ContinuousClock.now + timeout
        // Polls pg_try_advisory_lock rather than blocking in pg_advisory_lock: a session waiting
        // inside a statement holds a snapshot, which a concurrent CREATE INDEX CONCURRENTLY of
        // the lock holder would wait for (a deadlock).
        while try session.query("SELECT pg_try_advisory_lock(\(key)) AS ok").first?.bool("ok") != true {
            guard ContinuousClock.now < deadline else {
                throw MigrationError(.lockTimeout, message:
                    "another deploy has held the migration lock (pg_advisory_lock \(key)) for \(timeout); try again when it has finished")
            }
            usleep(100_000)
        }
        defer { _ = try? session.query("SELECT pg_advisory_unlock(\(key))") }
        return try body()
    }

    private static func apply(_ file: MigrationFile, _ session: PGSession) throws -> AppliedMigration {
        let started = ContinuousClock.now
        func record(_ s: PGSession) throws {
            let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
            try s.query("""
                INSERT INTO schema_migrations (version, checksum, file_name, execution_ms)
                VALUES (\(file.version), \(file.checksum), \(file.fileName), \(ms))
                """)
        }
        do {
            if file.runsInTransaction {
                try session.transaction { s in
                    try s.execute(script: file.sql)
                    try record(s)
                }
            } else {
                for statement in SQLScript.statements(file.sql) {
                    try session.execute(script: statement)
                }
                try record(session)
            }
        } catch {
            throw MigrationError.failed(file.fileName, error)
        }
        return AppliedMigration(version: file.version, fileName: file.fileName,
                                duration: ContinuousClock.now - started, inTransaction: file.runsInTransaction)
    }
}

/// A migration `deploy` applied.
public struct AppliedMigration: Sendable, Hashable {
    public let version: String
    public let fileName: String
    public let duration: Duration
    public let inTransaction: Bool
}

/// The result of `deploy`.
public struct DeployReport: Sendable, Hashable {
    /// Files applied by this run, in order.
    public let applied: [AppliedMigration]
    /// Files that were already applied before this run.
    public let alreadyApplied: Int
}

/// A row of `schema_migrations`.
public struct RecordedMigration: Sendable, Hashable {
    public let version: String
    public let checksum: String
    public let fileName: String
    public let appliedAt: String
}
