import BillingPostgres
import Foundation

/// Replays one stored event for an operator (SPEC §7 `POST /api/admin/events/:id/replay`).
///
/// The event is re-queued rather than run here: its row goes back to `received`, due now,
/// with a fresh attempt budget, and the processor re-runs it against the *current* state
/// through the same rules as any event (SPEC §5 replay). The NOTIFY wakes a processor as soon
/// as the transaction commits.
enum EventReplayer {
    /// In the caller's transaction: locks the event, re-queues it, writes the audit row.
    /// Returns the event as JSON text (with payload), or `nil` when no such event is stored.
    static func replay(stripeEventId: String, adminId: String, reason: String, in s: PGSession) throws -> String? {
        guard let old = try s.query("""
            SELECT status, outcome, attempts, to_jsonb(next_attempt_at) #>> '{}' AS next_attempt_at, client_id
            FROM billing_events WHERE stripe_event_id = \(stripeEventId) FOR UPDATE
            """).first
        else { return nil }
        let new = try s.query("""
            UPDATE billing_events x SET status = 'received', next_attempt_at = now(), attempts = 0
            WHERE x.stripe_event_id = \(stripeEventId)
            RETURNING to_jsonb(x)::text AS j, to_jsonb(x.next_attempt_at) #>> '{}' AS next_attempt_at
            """).first
        try s.query("SELECT pg_notify(\(EventLogStore.channel), '')")
        func fields(status: String?, attempts: Int?, nextAttemptAt: String?) -> [String: Any] {
            ["status": status ?? NSNull(), "attempts": attempts ?? NSNull(),
             "next_attempt_at": nextAttemptAt.map(RowJSON.timestamp) ?? NSNull()]
        }
        try AuditLog.record(
            adminId: adminId, clientId: old.string("client_id"), action: .replayEvent, reason: reason,
            before: fields(status: old.string("status"), attempts: old.int("attempts"), nextAttemptAt: old.string("next_attempt_at")),
            after: fields(status: "received", attempts: 0, nextAttemptAt: new?.string("next_attempt_at")),
            extra: ["stripe_event_id": stripeEventId, "previous_outcome": old.string("outcome") ?? NSNull()],
            in: s)
        return new?.string("j")
    }
}
