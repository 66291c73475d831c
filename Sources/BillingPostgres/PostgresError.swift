/// Why a PostgreSQL operation failed. One error type for the module (style §3.5).
///
/// `sqlState` is PostgreSQL's five-character SQLSTATE when the server sent one (or, for a failed
/// connection, the one its `ConnectionFailure` kind stands for). `message` is PostgreSQL's own text
/// for a rejected statement, which never contains bind values (they travel separately from the
/// SQL); for a connection failure it is a fixed text, never libpq's (which can quote the URL).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Broad kinds that callers branch on.
    public enum Kind: Sendable, Hashable {
        /// The server could not be reached, or the connection broke: retry later (HTTP 503).
        case connectionUnavailable
        /// The server rejected a statement; see `sqlState`.
        case statement
        /// The pool was shut down.
        case poolClosed
        /// Every pooled connection stayed busy for the pool's `checkoutTimeout`: retry later (HTTP 503).
        case checkoutTimeout
    }

    public let kind: Kind
    public let sqlState: String?
    public let message: String

    public init(kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message.trimmingTrailingNewlines()
    }

    public var description: String {
        if let sqlState { return "PostgreSQL error \(sqlState): \(message)" }
        return "PostgreSQL: \(message)"
    }

    /// True when the database is unavailable for now: SQLSTATE class 08 (connection exception),
    /// a server shutting down or starting, client-side connection failures, and a checkout that
    /// found no free connection in time. Callers answer 503 and retry later.
    public var isConnectionFailure: Bool {
        kind == .connectionUnavailable || kind == .checkoutTimeout || (sqlState?.hasPrefix("08") ?? false)
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }
}

/// SQLSTATEs the code and the tests branch on, by name (PostgreSQL's Appendix A).
public enum SQLState {
    /// Class 22, data exception: a value PostgreSQL cannot hold (a NUL in text, a number out of range).
    public static let dataExceptionClass = "22"
    public static let notNullViolation = "23502"
    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
    public static let checkViolation = "23514"
    public static let insufficientPrivilege = "42501"
    public static let undefinedColumn = "42703"
    public static let cardinalityViolation = "21000"
    public static let activeSQLTransaction = "25001"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let duplicateDatabase = "42P04"
    public static let invalidCatalogName = "3D000"
    public static let raiseException = "P0001"
    /// libpq could not establish the connection (class 08).
    public static let unableToConnect = "08001"
}

/// Named SQLSTATE checks, so that callers say which failure they handle rather than compare codes.
extension PostgresError {
    /// A `UNIQUE` or primary key constraint refused the row (23505).
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
    /// A foreign key refused the row: the referenced row does not exist (23503).
    public var isForeignKeyViolation: Bool { sqlState == SQLState.foreignKeyViolation }
    /// A `NOT NULL` constraint refused the row (23502).
    public var isNotNullViolation: Bool { sqlState == SQLState.notNullViolation }
    /// A `CHECK` constraint refused the row (23514).
    public var isCheckViolation: Bool { sqlState == SQLState.checkViolation }
    /// The role lacks the privilege the statement needs (42501).
    public var isInsufficientPrivilege: Bool { sqlState == SQLState.insufficientPrivilege }
    /// A PL/pgSQL `RAISE EXCEPTION` without its own code, as the append-only triggers raise (P0001).
    public var isRaisedException: Bool { sqlState == SQLState.raiseException }
    /// A data exception (class 22): a value the database cannot store, such as a NUL character in
    /// text or a malformed JSON value. The input's fault, not the database's.
    public var isDataException: Bool { sqlState?.hasPrefix(SQLState.dataExceptionClass) == true }
    /// `CREATE DATABASE` of a name that exists (42P04).
    public var isDuplicateDatabase: Bool { sqlState == SQLState.duplicateDatabase }
    /// The statement names a column that does not exist (42703).
    public var isUndefinedColumn: Bool { sqlState == SQLState.undefinedColumn }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
