import BillingPostgres

/// The admin API's access to PostgreSQL: one transaction per request, timestamps rendered in
/// UTC, an unreachable database answered as 503 `unavailable` (SPEC §7), and input the
/// database cannot store (SQLSTATE class 22, e.g. a NUL character) as 400 `invalid_request`.
struct AdminDatabase: Sendable {
    let pool: PGPool

    /// Runs `body` in a transaction whose session time zone is UTC (so `to_jsonb` renders
    /// timestamps as `…+00:00`, normalised to `Z` by `RowJSON`). An `APIError` thrown by `body`
    /// rolls the transaction back and reaches the caller unchanged.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        do {
            return try await pool.withUTCTransaction(body)
        } catch let error as PostgresError where error.isConnectionFailure || error.kind == .poolClosed {
            throw APIError.unavailable
        } catch let error as PostgresError where error.isDataException {
            // Data exception (SQLSTATE class 22): input PostgreSQL cannot hold, such as a NUL
            // character in a text value or an out-of-range number. The caller's input, not ours.
            throw APIError.invalidRequest("the request holds a value the database cannot store: \(error.message)")
        }
    }
}
