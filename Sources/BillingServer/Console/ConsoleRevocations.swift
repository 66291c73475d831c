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
                try ConsoleSessionStore.isRevoked(sessionId: id, in: s)
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
                try ConsoleSessionStore.revoke(sessionId: id, adminId: admin, expiresAt: expires, in: s)
            }
        } catch {
            throw APIError.unavailable
        }
    }
}
