/// Appends to the append-only `admin_actions` audit trail (SPEC §3, §7) from the command line's
/// jobs (`ingest` as admin `importer`, `reconcile --apply` as admin `reconciler`).
public enum AdminActionStore {
    /// Appends one row in the caller's transaction; returns its id.
    /// - Parameters:
    ///   - adminId: who acted (`importer`, `reconciler`, or an operator's admin id).
    ///   - clientId: the client concerned, if one.
    ///   - action: e.g. `ingest`, `reconcile`.
    ///   - reason: must not be blank (the table's check constraint refuses it).
    ///   - metadataJSON: a JSON object as text.
    @discardableResult
    public static func append(
        adminId: String, clientId: String?, action: String, reason: String, metadataJSON: String, in session: PGSession
    ) throws -> Int64 {
        try session.query("""
            INSERT INTO admin_actions (admin_id, client_id, action, reason, metadata)
            VALUES (\(adminId), \(clientId), \(action), \(reason), \(metadataJSON)::jsonb)
            RETURNING id
            """).first?.int64("id") ?? 0
    }
}
