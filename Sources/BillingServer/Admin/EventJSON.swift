/// How the admin API and the console render a `billing_events` row `x` as JSON (SQL fragments,
/// written by the code only). The body is stored as received (`body`, text) or, for rows of earlier
/// versions, as jsonb (`payload`); both are shown as the parsed `payload` field.
enum EventJSON {
    /// The row without its body (lists).
    static let summary = "(to_jsonb(x) - 'payload' - 'body')"
    /// The row with its body parsed as `payload` (`null` once pruned; a body jsonb cannot hold is a string).
    static let detail = "(to_jsonb(x) - 'payload' - 'body' || jsonb_build_object('payload', coalesce(billing_event_body_json(x.body), x.payload)))"
}
