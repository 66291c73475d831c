import BillingCore

/// The `billing_events` log as operators see it (SPEC §7): rows rendered by PostgreSQL with the
/// table's column names, the body shown as the parsed `payload` field.
extension EventLogStore {
    /// The row `x` without its body (lists). Written by the code only.
    static let summaryJSON = "(to_jsonb(x) - 'payload' - 'body')"
    /// The row `x` with its body parsed as `payload`: the body stored as received (`body`, text) or,
    /// for rows of earlier versions, as jsonb (`payload`); `null` once pruned, and a body jsonb
    /// cannot hold is shown as a string.
    static let detailJSON = """
        (to_jsonb(x) - 'payload' - 'body' || jsonb_build_object('payload', coalesce(billing_event_body_json(x.body), x.payload)))
        """

    /// A page of events, newest first, without their bodies, filtered by status, type and client.
    /// - Parameters:
    ///   - afterId: the row id of the previous page's last event.
    ///   - limit: the most rows answered.
    public static func page(
        status: EventStatus?, type: String?, clientId: String?, afterId: Int64?, limit: Int, in session: PGSession
    ) throws -> RowPage {
        var list = NewestFirstList(select: "SELECT x.id, \(summaryJSON)::text AS j FROM billing_events x")
        list.equals("x.status", status?.rawValue)
        list.equals("x.type", type)
        list.equals("x.client_id", clientId)
        return try list.run(afterId: afterId, limit: limit, in: session)
    }

    /// One event with its payload, as JSON text; `nil` when no event has that Stripe id.
    public static func detail(stripeEventId: String, in session: PGSession) throws -> String? {
        try session.query("""
            SELECT \(unsafeSQL: detailJSON)::text AS j FROM billing_events x WHERE x.stripe_event_id = \(stripeEventId)
            """).first?.string("j")
    }

    /// One event (by row id) with its payload and `extraJSON`'s fields added, as JSON text.
    /// - Parameter extraJSON: a JSON object (text) whose fields are added to the row's, such as
    ///   `{"replay":{…}}` after a replay.
    public static func detail(rowId: Int64, adding extraJSON: String, in session: PGSession) throws -> String? {
        try session.query("""
            SELECT (\(unsafeSQL: detailJSON) || \(extraJSON)::jsonb)::text AS j
            FROM billing_events x WHERE x.id = \(rowId)
            """).first?.string("j")
    }

    /// Whether the event's body was pruned (`prune`): it can no longer be processed.
    public static func isPruned(rowId: Int64, in session: PGSession) throws -> Bool {
        try session.query("""
            SELECT body IS NULL AND payload IS NULL AS pruned FROM billing_events WHERE id = \(rowId)
            """).first?.bool("pruned") == true
    }

    /// The client's `limit` events of the latest Stripe `created`, without their bodies.
    public static func latest(clientId: String, limit: Int, in session: PGSession) throws -> [RenderedRow] {
        try session.query("""
            SELECT x.id, \(unsafeSQL: summaryJSON)::text AS j FROM billing_events x WHERE x.client_id = \(clientId)
            ORDER BY x.stripe_created_at DESC, x.id DESC LIMIT \(limit)
            """).renderedRows
    }
}
