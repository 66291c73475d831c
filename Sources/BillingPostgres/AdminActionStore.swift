import BillingCore

/// The append-only `admin_actions` audit trail (SPEC §3, §7): one row per mutation of the admin
/// API and the console, per `ingest` run (admin `importer`) and per client `reconcile --apply`
/// repairs (admin `reconciler`); and its reading for the admin API and the console.
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

    /// A page of the trail, newest first, each row as `to_jsonb` renders it (its column names),
    /// filtered by client and admin when given.
    /// - Parameters:
    ///   - afterId: the id of the previous page's last row.
    ///   - limit: the most rows answered.
    public static func page(clientId: String?, adminId: String?, afterId: Int64?, limit: Int, in session: PGSession) throws -> RowPage {
        var list = NewestFirstList(select: "SELECT x.id, to_jsonb(x)::text AS j FROM admin_actions x")
        list.equals("x.client_id", clientId)
        list.equals("x.admin_id", adminId)
        return try list.run(afterId: afterId, limit: limit, in: session)
    }

    /// The client's newest `limit` rows, newest first, as `to_jsonb` renders them.
    public static func latest(clientId: String, limit: Int, in session: PGSession) throws -> [RenderedRow] {
        try session.query("""
            SELECT x.id, to_jsonb(x)::text AS j FROM admin_actions x WHERE x.client_id = \(clientId) ORDER BY x.id DESC LIMIT \(limit)
            """).renderedRows
    }
}
