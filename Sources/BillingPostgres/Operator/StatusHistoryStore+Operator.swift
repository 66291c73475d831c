extension StatusHistoryStore {
    /// A page of the client's `billing_status_history`, newest first, each row as `to_jsonb`
    /// renders it (the table's column names).
    /// - Parameters:
    ///   - afterId: the id of the previous page's last row.
    ///   - limit: the most rows answered.
    public static func page(clientId: String, afterId: Int64?, limit: Int, in session: PGSession) throws -> RowPage {
        var list = NewestFirstList(select: "SELECT x.id, to_jsonb(x)::text AS j FROM billing_status_history x")
        list.equals("x.client_id", clientId)
        return try list.run(afterId: afterId, limit: limit, in: session)
    }
}
