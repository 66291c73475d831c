/// The append-only `admin_actions` audit trail (SPEC §3, §7): one row per mutation of the admin
/// API and the console, per `ingest` run (admin `importer`) and per client `reconcile --apply`
/// repairs (admin `reconciler`).
public enum AdminActionStore {
    /// Appends one row in the caller's transaction (so that it commits with the change it
    /// records, or not at all); returns its id.
    /// - Parameters:
    ///   - adminId: who acted (`importer`, `reconciler`, or an operator's admin id).
    ///   - clientId: the client concerned, if one.
    ///   - action: what was done.
    ///   - reason: must not be blank (the table's check constraint refuses it).
    ///   - metadataJSON: a JSON object as text.
    @discardableResult
    public static func append(
        adminId: String, clientId: String?, action: AuditAction, reason: String, metadataJSON: String, in session: PGSession
    ) throws -> Int64 {
        try session.query("""
            INSERT INTO admin_actions (admin_id, client_id, action, reason, metadata)
            VALUES (\(adminId), \(clientId), \(action.rawValue), \(reason), \(metadataJSON)::jsonb)
            RETURNING id
            """).first?.int64("id") ?? 0
    }
}
