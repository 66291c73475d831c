import BillingPostgres

/// The admin API's access to PostgreSQL: one transaction per request, timestamps rendered in
/// UTC, and an unreachable database answered as 503 `unavailable` (SPEC §7).
struct AdminDatabase: Sendable {
    let pool: PGPool

    /// Runs `body` in a transaction whose session time zone is UTC (so `to_jsonb` renders
    /// timestamps as `…+00:00`, normalised to `Z` by `RowJSON`). An `APIError` thrown by `body`
    /// rolls the transaction back and reaches the caller unchanged.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        do {
            return try await pool.withTransaction { session in
                try session.query("SET LOCAL TIME ZONE 'UTC'")
                return try body(session)
            }
        } catch let error as PostgresError where error.isConnectionFailure || error.kind == .poolClosed {
            throw APIError.unavailable
        }
    }
}
