import BillingCore
import BillingPostgres
import Foundation

/// Replays one stored event for an operator (SPEC §7 `POST /api/admin/events/:id/replay`).
///
/// The event is re-run at once, in the request's transaction, through the production handler
/// and against the *current* state (`EventReplay`, the same path as the `replay` command), and
/// the audit row commits with its effects. A pruned event cannot be replayed (409).
struct EventReplayer: Sendable {
    let handler: any EventHandler
    let now: @Sendable () -> Int64

    /// In the caller's transaction: replays the event and writes the audit row. Returns the
    /// event as JSON text (with payload and a `replay` summary), or `nil` when no such event is stored.
    func replay(stripeEventId: String, adminId: String, reason: String, in s: PGSession) throws -> String? {
        guard let record = try EventReplay.replay(stripeEventId: stripeEventId, handler: handler, now: now(), in: s) else {
            return nil
        }
        if try EventLogStore.isPruned(rowId: record.rowId, in: s) {
            throw APIError.conflict("the payload of \(stripeEventId) was pruned; the event cannot be replayed")
        }
        func fields(_ status: EventStatus, _ outcome: BillingOutcome?) -> [String: Any] {
            ["status": status.rawValue, "outcome": outcome?.rawValue ?? NSNull()]
        }
        var extra: [String: Any] = ["stripe_event_id": stripeEventId]
        if let error = record.error { extra["error"] = error }
        try AuditLog.record(
            adminId: adminId, clientId: record.clientId, action: .replayEvent, reason: reason,
            before: fields(record.statusBefore, record.outcomeBefore), after: fields(record.statusAfter, record.outcomeAfter),
            extra: extra, in: s)
        let summary: [String: Any] = [
            "status_before": record.statusBefore.rawValue, "outcome_before": record.outcomeBefore?.rawValue ?? NSNull(),
            "status_after": record.statusAfter.rawValue, "outcome_after": record.outcomeAfter?.rawValue ?? NSNull(),
            "error": record.error ?? NSNull(),
        ]
        return try EventLogStore.detail(rowId: record.rowId, adding: RowJSON.text(["replay": summary]), in: s)
    }
}
