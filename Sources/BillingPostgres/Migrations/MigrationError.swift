/// Why a migration command failed. One error type for `migrate`, with stable codes (add
/// codes, never rename them) and a description written for the operator on call.
///
/// Descriptions never contain a password: connection URLs are not echoed.
public struct MigrationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case directoryNotFound = "directory_not_found"
            case invalidFileName = "invalid_file_name"
            case duplicateVersion = "duplicate_version"
            case unreadableFile = "unreadable_file"
            case checksumMismatch = "checksum_mismatch"
            case missingFile = "missing_file"
            case migrationFailed = "migration_failed"
            case databaseUnavailable = "database_unavailable"
            case lockTimeout = "lock_timeout"
            case shadowDatabase = "shadow_database"
            case snapshotMissing = "snapshot_missing"
            case snapshotUnwritable = "snapshot_unwritable"
            case catalogQueryFailed = "catalog_query_failed"
            case appRoleRefused = "app_role_refused"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The migrations directory does not exist or cannot be listed.
        public static let directoryNotFound = Code(.directoryNotFound)
        /// A file in the migrations directory is neither `NNNN_description.sql` nor ignored.
        public static let invalidFileName = Code(.invalidFileName)
        /// Two files share a version number (`0003_a.sql` and `003_b.sql` both are 3).
        public static let duplicateVersion = Code(.duplicateVersion)
        /// A migration file could not be read as UTF-8 text.
        public static let unreadableFile = Code(.unreadableFile)
        /// An applied migration file was edited after it was applied.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// The database records a migration that no file in the directory provides.
        public static let missingFile = Code(.missingFile)
        /// PostgreSQL rejected a statement of a migration file.
        public static let migrationFailed = Code(.migrationFailed)
        /// The database could not be reached.
        public static let databaseUnavailable = Code(.databaseUnavailable)
        /// Another deploy held the advisory lock for too long.
        public static let lockTimeout = Code(.lockTimeout)
        /// The throwaway shadow database could not be created or dropped.
        public static let shadowDatabase = Code(.shadowDatabase)
        /// `migrations/schema.snapshot` does not exist yet.
        public static let snapshotMissing = Code(.snapshotMissing)
        /// `migrations/schema.snapshot` could not be written.
        public static let snapshotUnwritable = Code(.snapshotUnwritable)
        /// Reading the schema from the catalog failed.
        public static let catalogQueryFailed = Code(.catalogQueryFailed)
        /// `BILLING_APP_ROLE` names no role, an invalid name, a superuser, or the owner itself.
        public static let appRoleRefused = Code(.appRoleRefused)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The migration file concerned, when there is one (`0003_add_index.sql`).
    public let file: String?
    /// PostgreSQL's SQLSTATE, when the server reported one.
    public let sqlState: String?
    /// What happened and what to do, in one or two sentences.
    public let message: String

    public init(_ code: Code, file: String? = nil, sqlState: String? = nil, message: String) {
        self.code = code
        self.file = file
        self.sqlState = sqlState
        self.message = message
    }

    /// `migration_failed: 0003_add_index.sql: SQLSTATE 42703: column "plan" does not exist`.
    public var description: String {
        var parts = ["\(code)"]
        if let file { parts.append(file) }
        if let sqlState { parts.append("SQLSTATE \(sqlState)") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    /// Wraps a PostgreSQL failure that happened while applying `file`.
    static func failed(_ file: String, _ error: any Error) -> MigrationError {
        if let e = error as? MigrationError { return e }
        guard let pg = error as? PostgresError else {
            return MigrationError(.migrationFailed, file: file, message: "\(error)")
        }
        if pg.kind != .statement {
            return MigrationError(.databaseUnavailable, file: file, sqlState: pg.sqlState,
                                  message: "lost the database connection while applying the file: \(pg.message)")
        }
        return MigrationError(.migrationFailed, file: file, sqlState: pg.sqlState, message: pg.message)
    }

    /// Wraps a failure to connect or to run the runner's own bookkeeping statements.
    static func database(_ error: any Error, doing what: String) -> MigrationError {
        if let e = error as? MigrationError { return e }
        if let pg = error as? PostgresError {
            let code: Code = pg.kind == .statement ? .catalogQueryFailed : .databaseUnavailable
            return MigrationError(code, sqlState: pg.sqlState, message: "\(what): \(pg.message)")
        }
        return MigrationError(.databaseUnavailable, message: "\(what): \(error)")
    }
}
