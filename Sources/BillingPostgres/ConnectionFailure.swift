/// Why libpq could not open (or re-open) a connection, as a fixed kind.
///
/// libpq's own message is read only to tell the kinds apart and is then dropped: it can quote the
/// host, the user name, the database or options of the connection URL, and ends up in logs and
/// HTTP answers through `PostgresError.message`.
public enum ConnectionFailure: String, Sendable, CaseIterable {
    case refused = "connection refused"
    case timeout = "timed out"
    case unknownHost = "unknown host"
    case authentication = "authentication failed"
    case unknownDatabase = "database does not exist"
    case tooManyConnections = "too many connections"
    case serverStarting = "server starting up or shutting down"
    case tls = "TLS negotiation or certificate check failed"
    case closedByServer = "server closed the connection"
    case other = "connection failed"

    /// The SQLSTATE PostgreSQL uses for the kind, when there is one.
    public var sqlState: String? {
        switch self {
        case .authentication: "28P01"
        case .unknownDatabase: SQLState.invalidCatalogName
        case .tooManyConnections: "53300"
        case .serverStarting: "57P03"
        case .refused, .timeout, .unknownHost, .closedByServer, .other: SQLState.unableToConnect
        case .tls: SQLState.unableToConnect
        }
    }

    /// Classifies libpq's message (`PQerrorMessage`); `nil` (out of memory) is `.other`.
    public init(classifying libpqMessage: String?) {
        let text = (libpqMessage ?? "").lowercased()
        func has(_ s: String) -> Bool { text.contains(s) }
        if has("password authentication failed") || has("authentication failed") || has("no password supplied")
            || has("no pg_hba.conf entry") || has("role") && has("does not exist") {
            self = .authentication
        } else if has("database") && has("does not exist") {
            self = .unknownDatabase
        } else if has("too many") && has("connections") || has("remaining connection slots") {
            self = .tooManyConnections
        } else if has("the database system is") {
            self = .serverStarting
        } else if has("connection refused") || has("no such file or directory") {
            self = .refused
        } else if has("timeout") || has("timed out") {
            self = .timeout
        } else if has("could not translate host name") || has("name or service not known") {
            self = .unknownHost
        } else if has("ssl") || has("certificate") || has("tls") {
            self = .tls
        } else if has("server closed the connection") || has("terminating connection") || has("connection reset") {
            self = .closedByServer
        } else {
            self = .other
        }
    }

    /// `"<doing> (<kind>, SQLSTATE <code>)"` as a `.connectionUnavailable` error.
    public func error(doing: String) -> PostgresError {
        PostgresError(kind: .connectionUnavailable, sqlState: sqlState, message: "\(doing) (\(rawValue))")
    }
}
