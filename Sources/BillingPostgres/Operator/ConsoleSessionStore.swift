/// Signed-out console sessions (`console_revoked_sessions`, migration 0013), shared by every
/// replica so that a copied cookie stops working everywhere at once (issue 16). A row lives until
/// its cookie would have expired anyway.
public enum ConsoleSessionStore {
    /// Whether the session was signed out.
    public static func isRevoked(sessionId: String, in session: PGSession) throws -> Bool {
        try !session.query("SELECT 1 AS revoked FROM console_revoked_sessions WHERE session_id = \(sessionId)").isEmpty
    }

    /// Records the sign-out of a session (idempotent) and forgets the revocations past their expiry.
    /// - Parameter expiresAt: when the session's cookie expires (Unix seconds).
    public static func revoke(sessionId: String, adminId: String, expiresAt: Int64, in session: PGSession) throws {
        try session.query("""
            INSERT INTO console_revoked_sessions (session_id, admin_id, expires_at)
            VALUES (\(sessionId), \(adminId), to_timestamp(\(expiresAt)))
            ON CONFLICT (session_id) DO NOTHING
            """)
        try session.query("DELETE FROM console_revoked_sessions WHERE expires_at < now()")
    }
}
