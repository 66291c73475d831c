import BillingPostgres

/// Signed-out console sessions, kept in PostgreSQL (migration 0013) so that a copied cookie
/// stops working on every replica at once (issue 16). A row lives until its cookie would have
/// expired anyway; sign-outs delete the expired ones.
struct ConsoleRevocations: Sendable {
    let pool: PGPool

    /// Whether `session` was signed out. An unreachable database is 503 `unavailable`: a
    /// session that cannot be checked is not let in.
    func isRevoked(_ session: ConsoleSession) async throws -> Bool {
        let id = session.sessionId
        do {
            return try await pool.withConnection { s in
                try !s.query("SELECT 1 AS revoked FROM console_revoked_sessions WHERE session_id = \(id)").isEmpty
            }
        } catch {
            throw APIError.unavailable
        }
    }

    /// Records the sign-out of `session` (idempotent) and forgets revocations past their expiry.
    func revoke(_ session: ConsoleSession) async throws {
        let (id, admin, expires) = (session.sessionId, session.adminId, session.expiresAt)
        do {
            try await pool.withTransaction { s in
                try s.query("""
                    INSERT INTO console_revoked_sessions (session_id, admin_id, expires_at)
                    VALUES (\(id), \(admin), to_timestamp(\(expires)))
                    ON CONFLICT (session_id) DO NOTHING
                    """)
                try s.query("DELETE FROM console_revoked_sessions WHERE expires_at < now()")
            }
        } catch {
            throw APIError.unavailable
        }
    }
}
