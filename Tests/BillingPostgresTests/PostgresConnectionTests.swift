import BillingPostgres
import BillingTestSupport
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Connections and their URLs (issue 15). `PostgresURL.redacted`: no form of a password survives,
/// with a password holding `%`, `@` and `=` (raw or percent-encoded), in the user info, the query
/// or keyword/value form. Failures carry fixed messages; options default to keepalives.
@Suite struct PostgresConnectionTests {
    static let password = "p%ss@w=rd"
    static let encoded = "p%25ss%40w%3Drd"

    @Test(arguments: [
        ("postgresql://billing:\(encoded)@db.internal:5432/billing?sslmode=verify-full",
         "postgresql://billing:***@db.internal:5432/billing?sslmode=verify-full"),
        ("postgresql://billing:\(password)@db.internal/billing",
         "postgresql://billing:***@db.internal/billing"),
        ("postgresql://billing@db.internal/billing?password=\(encoded)&sslmode=require",
         "postgresql://billing@db.internal/billing?password=***&sslmode=require"),
        ("postgresql://db.internal/billing?sslmode=require&password=\(password)",
         "postgresql://db.internal/billing?sslmode=require&password=***"),
        ("postgresql://billing@db.internal/billing", "postgresql://billing@db.internal/billing"),
        ("host=db.internal password=\(password) dbname=billing",
         "host=db.internal password=*** dbname=billing"),
        ("host=db.internal password = '\(password) with \\' quote' dbname=billing",
         "host=db.internal password = '***' dbname=billing"),
        ("password='\(password)'", "password='***'"),
        ("host=db.internal user=billing", "host=db.internal user=billing"),
    ])
    func redacts(url: String, expected: String) {
        let redacted = PostgresURL.redacted(url)
        #expect(redacted == expected)
        for fragment in [Self.password, Self.encoded, "ss@w", "w=rd", "%25ss", "quote"] {
            #expect(!redacted.contains(fragment), "\(redacted) contains \(fragment)")
        }
    }

    /// A connection that cannot be made fails with a fixed message naming the kind, never
    /// libpq's text (which quotes the host and port) and never the password.
    @Test func connectionFailureMessageIsFixed() async throws {
        let url = "postgresql://billing:\(Self.encoded)@127.0.0.1:1/billing?connect_timeout=2"
        let error = await #expect(throws: PostgresError.self) { _ = try await PGConnection.connect(url) }
        let text = error?.description ?? ""
        #expect(error?.message == "cannot connect to PostgreSQL (connection refused)")
        #expect(error?.sqlState == SQLState.unableToConnect)
        #expect(error?.isConnectionFailure == true)
        for fragment in ["127.0.0.1", "port 1", "Connection refused", "p%", "w=rd", Self.encoded] {
            #expect(!text.contains(fragment), "\(text) contains \(fragment)")
        }
    }

    @Test func libpqMessagesAreClassified() {
        #expect(ConnectionFailure(classifying: "connection to server at \"h\" (10.0.0.1), port 5432 failed: FATAL:  password authentication failed for user \"billing\"") == .authentication)
        #expect(ConnectionFailure(classifying: "connection to server at \"h\", port 5432 failed: timeout expired") == .timeout)
        #expect(ConnectionFailure(classifying: "could not translate host name \"nope\" to address: Name or service not known") == .unknownHost)
        #expect(ConnectionFailure(classifying: "FATAL:  database \"x\" does not exist") == .unknownDatabase)
        #expect(ConnectionFailure(classifying: "FATAL:  the database system is starting up") == .serverStarting)
        #expect(ConnectionFailure(classifying: "server certificate for \"h\" does not match host name") == .tls)
        #expect(ConnectionFailure(classifying: nil) == .other)
    }

    /// A session kept across units of work (the ingest writer's) sees that the server closed the
    /// connection while it was idle, before sending anything on it: here the server ends the session
    /// after 100 ms of idleness (`idle_session_timeout`), as it ends every session when it restarts.
    @Test func aKeptSessionNoticesTheServerClosingIt() async throws {
        let conn = try await PGConnection.connect(try TestDatabase.serverURL())
        let (before, after) = try await conn.withSession { s -> (Bool, Bool) in
            try s.execute(script: "SET idle_session_timeout = 100")
            let before = s.isStillConnected()
            usleep(600_000)
            return (before, s.isStillConnected())
        }
        #expect(before)
        #expect(!after, "a connection the server closed still looked connected")
        // The next use reconnects.
        #expect(try await conn.withSession { s in try s.query(PGQuery(unsafeSQL: "SELECT 1 AS one")).first?.int64("one") } == 1)
        await conn.close()
    }

    /// Every connection gets TCP keepalives and a bound on unacknowledged data, so a peer that
    /// vanished silently is noticed; the URL can override them.
    @Test func connectionsUseKeepalivesUnlessTheURLSaysOtherwise() async throws {
        let url = try TestDatabase.serverURL()
        let plain = try await PGConnection.connect(url)
        #expect(plain.option("keepalives_idle") == "30")
        #expect(plain.option("tcp_user_timeout") == "30000")
        #expect(plain.option("connect_timeout") == "5")
        await plain.close()
        let separator = url.contains("?") ? "&" : "?"
        let overridden = try await PGConnection.connect(url + separator + "keepalives_idle=7")
        #expect(overridden.option("keepalives_idle") == "7")
        await overridden.close()
    }
}
