import CLibPQ
#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import Synchronization

/// One libpq connection, driven by a thread of its own.
///
/// libpq is blocking: every call on the connection runs on the connection's dedicated
/// thread (a one-thread `NIOThreadPool`), never on Swift's cooperative pool, and one call at a
/// time (the handle sits behind a mutex). When the server restarts, the next use resets the
/// connection (`PQreset`) before running the caller's work: a connection that broke while idle
/// is noticed without a round trip, because the server's goodbye (or the end of the stream) makes
/// its socket readable.
///
/// Errors never carry libpq's text, which can quote the host, the user or options of the URL:
/// a connection failure is a fixed message naming its kind (`ConnectionFailure`).
public final class PGConnection: Sendable {
    private struct Handle: ~Copyable {
        var conn: OpaquePointer?
        let state = PGConnectionState()
    }

    private let handle: Mutex<Handle>
    private let thread: NIOThreadPool
    public let url: String

    private init(url: String, conn: consuming sending OpaquePointer?, thread: NIOThreadPool) {
        self.url = url
        self.handle = Mutex(Handle(conn: conn))
        self.thread = thread
    }

    deinit {
        handle.withLock { h in
            if let c = h.conn { PQfinish(c) }
            h.conn = nil
        }
        thread.shutdownGracefully { _ in }
    }

    /// Opens a connection. Throws `PostgresError` (kind `.connectionUnavailable`) when the
    /// server cannot be reached; the message never contains the password.
    public static func connect(_ url: String) async throws -> PGConnection {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        do {
            let conn: PGConnection = try await thread.runIfActive {
                let c = openConnection(url)
                guard PQstatus(c) == CONNECTION_OK else {
                    let failure = ConnectionFailure(classifying: c.map { String(cString: PQerrorMessage($0)) })
                    if let c { PQfinish(c) }
                    throw failure.error(doing: "cannot connect to PostgreSQL")
                }
                return PGConnection(url: url, conn: c, thread: thread)
            }
            return conn
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
    }

    /// Runs `body` with exclusive use of the connection on its own thread.
    /// Resets a connection that broke (or was closed by the server while idle) first.
    /// Return only Sendable values.
    public func withSession<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        try await thread.runIfActive {
            try self.handle.withLock { h throws -> T in
                h.state.mayHaveCommitted = false
                if h.conn.map(Self.isStillConnected) != true {
                    try Self.reset(&h)
                }
                return try body(PGSession(conn: h.conn!, state: h.state))
            }
        }
    }

    /// True when the last `withSession` sent something that may have committed: a COMMIT, or a
    /// statement outside a transaction block. Its work must then never be run again.
    public var lastSessionMayHaveCommitted: Bool {
        handle.withLock { h in h.state.mayHaveCommitted }
    }

    /// Whether a connection is still good between uses: reads what the server sent while it was
    /// idle (see `noticeIdleClose`), then asks libpq. Checked before every use, and by
    /// `PGSession.isStillConnected` between the units of work of a long session.
    static func isStillConnected(_ c: OpaquePointer) -> Bool {
        noticeIdleClose(c)
        return PQstatus(c) == CONNECTION_OK
    }

    /// Between uses nothing is expected from the server but NOTIFYs: when the socket is readable,
    /// reads what came (a notification, the server's "terminating connection" or the end of the
    /// stream) so that libpq marks a closed connection bad. No round trip, never blocks.
    private static func noticeIdleClose(_ c: OpaquePointer) {
        guard PQstatus(c) == CONNECTION_OK, PQtransactionStatus(c) == PQTRANS_IDLE else { return }
        for _ in 0..<4 {
            var fd = pollfd(fd: PQsocket(c), events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, 0) > 0 else { return }
            if PQconsumeInput(c) == 0 || PQstatus(c) != CONNECTION_OK { return }
        }
    }

    /// True when libpq reports the connection as good (a cheap local check, no round trip).
    public var isHealthy: Bool {
        handle.withLock { h in h.conn != nil && PQstatus(h.conn) == CONNECTION_OK }
    }

    /// Closes the connection and stops its thread.
    public func close() async {
        handle.withLock { h in
            if let c = h.conn { PQfinish(c) }
            h.conn = nil
        }
        try? await thread.shutdownGracefully()
    }

    private static func reset(_ h: inout Handle) throws {
        h.state.prepared.removeAll()
        if let c = h.conn {
            PQreset(c)
            if PQstatus(c) == CONNECTION_OK { return }
            throw ConnectionFailure(classifying: String(cString: PQerrorMessage(c))).error(doing: "cannot reconnect to PostgreSQL")
        }
        throw PostgresError(kind: .connectionUnavailable, message: "the connection to PostgreSQL is closed")
    }

    /// Defaults for every connection; the URL overrides any of them.
    ///
    /// TCP keepalives make a connection whose peer vanished without a word (a failover that moved
    /// the address, a firewall that dropped the flow) fail within about a minute while idle, so the
    /// next checkout sees it broken and reconnects instead of sending into the void; and
    /// `tcp_user_timeout` bounds how long sent data may stay unacknowledged (30 s) before the
    /// connection counts as lost, instead of the kernel's retransmission limit of ~15 minutes.
    static let defaultOptions: [(keyword: String, value: String)] = [
        ("connect_timeout", "5"), ("application_name", "billing-worker"),
        ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
    ]

    /// The value libpq uses for connection option `keyword` on this connection (`PQconninfo`).
    public func option(_ keyword: String) -> String? {
        handle.withLock { h -> String? in
            guard let c = h.conn, let options = PQconninfo(c) else { return nil }
            defer { PQconninfoFree(options) }
            var i = 0
            while let name = options[i].keyword {
                if String(cString: name) == keyword { return options[i].val.map { String(cString: $0) } }
                i += 1
            }
            return nil
        }
    }

    /// `PQconnectdbParams` with `defaultOptions`, which the URL may override.
    private static func openConnection(_ url: String) -> OpaquePointer? {
        let keywords = defaultOptions.map(\.keyword) + ["dbname"]
        let values = defaultOptions.map(\.value) + [url]
        let k = keywords.map { strdup($0) }
        let v = values.map { strdup($0) }
        defer {
            k.forEach { free($0) }
            v.forEach { free($0) }
        }
        let kp: [UnsafePointer<CChar>?] = k.map { $0.map { UnsafePointer($0) } } + [nil]
        let vp: [UnsafePointer<CChar>?] = v.map { $0.map { UnsafePointer($0) } } + [nil]
        return PQconnectdbParams(kp, vp, 1)
    }
}
