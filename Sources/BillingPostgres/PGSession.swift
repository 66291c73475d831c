import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exclusive, synchronous use of one libpq connection on that connection's own thread.
///
/// A session exists only inside `PGConnection.withSession` (or the pool's equivalents);
/// it must not escape. Every method blocks its thread, never Swift's cooperative pool.
public struct PGSession {
    let conn: OpaquePointer
    let state: PGConnectionState

    /// Runs one statement with its binds and returns its rows.
    @discardableResult
    public func query(_ query: PGQuery) throws(PostgresError) -> PGRows {
        noteSending(query.sql)
        return try withCParams(query.binds) { values throws(PostgresError) in
            let res = PQexecParams(conn, query.sql, Int32(values.count), nil, values, nil, nil, 0)
            return try consume(res)
        }
    }

    /// Runs one statement as a named prepared statement, preparing it once per connection.
    /// For the hot path: the server parses and plans the statement once.
    @discardableResult
    public func prepared(_ name: String, _ query: PGQuery) throws(PostgresError) -> PGRows {
        if !state.prepared.contains(name) {
            let res = PQprepare(conn, name, query.sql, Int32(query.binds.count), nil)
            _ = try consume(res)
            state.prepared.insert(name)
        }
        noteSending(query.sql)
        return try withCParams(query.binds) { values throws(PostgresError) in
            let res = PQexecPrepared(conn, name, Int32(values.count), values, nil, nil, 0)
            return try consume(res)
        }
    }

    /// Whether the connection is still good between two units of work, checked as
    /// `PGConnection.withSession` checks it before each use: what the server sent while the
    /// connection was idle (its goodbye when it restarts, or the end of the stream) is read, so a
    /// closed connection shows as bad. No round trip, never blocks. For a caller that keeps a
    /// session across many units of work (the ingest writer's group commits).
    public func isStillConnected() -> Bool {
        PGConnection.isStillConnected(conn)
    }

    /// Runs a script of one or more statements without binds (migrations, DDL).
    public func execute(script: String) throws(PostgresError) {
        noteSending(script)
        _ = try consume(PQexec(conn, script))
    }

    /// Records, before a statement is sent, whether it may commit something: any statement
    /// outside a transaction block but `BEGIN`, and `COMMIT`/`END` inside one. The pool retries
    /// work lost with its connection only while this is false.
    private func noteSending(_ sql: String) {
        guard !state.mayHaveCommitted else { return }
        let head = String(sql.drop { $0 == " " || $0 == "\n" || $0 == "\t" }.prefix(6)).uppercased()
        switch PQtransactionStatus(conn) {
        case PQTRANS_IDLE:
            if !(head.hasPrefix("BEGIN") && !sql.contains(";")) { state.mayHaveCommitted = true }
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            if head.hasPrefix("COMMIT") || head.hasPrefix("END") { state.mayHaveCommitted = true }
        default:
            // Unknown (the connection is already bad: nothing will reach the server) or busy.
            break
        }
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: (PGSession) throws -> T) throws -> T {
        try execute(script: "BEGIN")
        do {
            let value = try body(self)
            try execute(script: "COMMIT")
            return value
        } catch {
            try? execute(script: "ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside a savepoint: on throw, only its own work is rolled back.
    public func savepoint<T>(_ name: String = "event", _ body: (PGSession) throws -> T) throws -> T {
        try execute(script: "SAVEPOINT \(name)")
        do {
            let value = try body(self)
            try execute(script: "RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            try? execute(script: "ROLLBACK TO SAVEPOINT \(name)")
            try? execute(script: "RELEASE SAVEPOINT \(name)")
            throw error
        }
    }

    /// Waits up to `timeoutMilliseconds` for NOTIFY messages on channels this connection LISTENs to.
    public func waitForNotifications(timeoutMilliseconds: Int32) throws(PostgresError) -> [(channel: String, payload: String)] {
        var out = drainNotifications()
        if !out.isEmpty { return out }
        var fd = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
        let ready = poll(&fd, 1, timeoutMilliseconds)
        if ready > 0 {
            guard PQconsumeInput(conn) == 1 else { throw connectionError() }
            out = drainNotifications()
        }
        return out
    }

    private func drainNotifications() -> [(channel: String, payload: String)] {
        var out: [(String, String)] = []
        while let n = PQnotifies(conn) {
            out.append((String(cString: n.pointee.relname), String(cString: n.pointee.extra)))
            PQfreemem(n)
        }
        return out
    }

    /// The connection broke. libpq's text is not kept (see `ConnectionFailure`).
    func connectionError(sqlState: String? = nil) -> PostgresError {
        PostgresError(kind: .connectionUnavailable, sqlState: sqlState, message: "lost the connection to PostgreSQL")
    }

    private func consume(_ res: OpaquePointer?) throws(PostgresError) -> PGRows {
        guard let res else { throw connectionError() }
        defer { PQclear(res) }
        switch PQresultStatus(res) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let sqlState = PQresultErrorField(res, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PQresultErrorField(res, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                ?? String(cString: PQresultErrorMessage(res))
            if PQstatus(conn) != CONNECTION_OK {
                throw connectionError(sqlState: sqlState)
            }
            throw PostgresError(kind: .statement, sqlState: sqlState, message: message)
        }
        let nFields = Int(PQnfields(res))
        let nRows = Int(PQntuples(res))
        var columns: [String] = []
        columns.reserveCapacity(nFields)
        for c in 0..<nFields { columns.append(String(cString: PQfname(res, Int32(c)))) }
        var values: [[String?]] = []
        values.reserveCapacity(nRows)
        for r in 0..<nRows {
            var row: [String?] = []
            row.reserveCapacity(nFields)
            for c in 0..<nFields {
                if PQgetisnull(res, Int32(r), Int32(c)) == 1 {
                    row.append(nil)
                } else {
                    // By its length: `String(cString:)` also ran strlen over every value, 5 KiB per claimed body.
                    let value = UnsafeRawPointer(PQgetvalue(res, Int32(r), Int32(c))!).assumingMemoryBound(to: UInt8.self)
                    row.append(String(decoding: UnsafeBufferPointer(start: value, count: Int(PQgetlength(res, Int32(r), Int32(c)))), as: UTF8.self))
                }
            }
            values.append(row)
        }
        let affected = Int(String(cString: PQcmdTuples(res))) ?? 0
        return PGRows(columns: columns, values: values, affectedRows: affected)
    }
}

/// Per-connection state that lives as long as the connection: names of prepared statements,
/// and whether the current session may have committed.
/// Touched only by the thread that holds the connection's lock.
final class PGConnectionState {
    var prepared: Set<String> = []
    /// Since the current `withSession` began: was anything sent that may have committed?
    var mayHaveCommitted = false
}

private func withCParams<T>(
    _ binds: [String?], _ body: ([UnsafePointer<CChar>?]) throws(PostgresError) -> T
) throws(PostgresError) -> T {
    // One buffer holds every value NUL-terminated (an event body is 3-7 KiB: one copy, not a
    // strdup and a byte-by-byte scan per value).
    var size = 0
    for case let value? in binds { size += value.utf8.count + 1 }
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(size, 1))
    defer { buffer.deallocate() }
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(binds.count)
    var offset = 0
    for bind in binds {
        guard var value = bind else {
            pointers.append(nil)
            continue
        }
        let start = buffer + offset
        let (count, hasNUL) = value.withUTF8 { utf8 -> (Int, Bool) in
            guard let base = utf8.baseAddress, utf8.count > 0 else { return (0, false) }
            memcpy(start, base, utf8.count)
            return (utf8.count, memchr(base, 0, utf8.count) != nil)
        }
        // libpq takes C strings: a NUL would silently cut the value short. PostgreSQL text cannot
        // hold NUL either, so refuse it as the server would (SQLSTATE 22021).
        if hasNUL {
            throw PostgresError(kind: .statement, sqlState: "22021", message: "a text value contains a NUL character, which PostgreSQL cannot store")
        }
        start[count] = 0
        pointers.append(UnsafePointer(start))
        offset += count + 1
    }
    return try body(pointers)
}
