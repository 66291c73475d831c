/// What the HTTP edge asks of the pool besides its stores: a transaction rendering timestamps in
/// UTC (the admin API and the console), and a round trip proving the database answers (`/readyz`).
extension PGPool {
    /// Runs `body` in a transaction (`withTransaction`) whose session time zone is UTC, so that
    /// timestamps rendered by PostgreSQL (`to_jsonb`) read `…+00:00` whatever the server's setting.
    public func withUTCTransaction<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        try await withTransaction { session in
            try session.query("SET LOCAL TIME ZONE 'UTC'")
            return try body(session)
        }
    }

    /// One trivial statement on a pooled connection: throws when the database cannot be reached.
    public func ping() async throws {
        _ = try await withConnection { try $0.query("SELECT 1") }
    }
}
