import BillingPostgres
import Foundation

extension AdminActions {
    /// Acknowledges one alert (SPEC §7): records the admin in `acknowledged_by` and the
    /// `resolution` (the reason when blank); 404 for an unknown id, 409 when already
    /// acknowledged. Answers the alert row as JSON text.
    func acknowledgeAlert(id raw: String, adminId: String, reason rawReason: String?, resolution rawResolution: String?) async throws -> String? {
        let reason = try AdminRequest.reason(rawReason)
        let resolution = rawResolution.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 } ?? reason
        try AdminRequest.storable(resolution, "resolution")
        guard let alertId = Int64(raw) else { throw APIError.notFound("no alert with id \(raw)") }
        return try await db.transaction { s in
            guard let row = try s.query("""
                SELECT client_id, alert_type, resolution, acknowledged_at IS NOT NULL AS acknowledged
                FROM alert_logs WHERE id = \(alertId) FOR UPDATE
                """).first
            else { throw APIError.notFound("no alert with id \(alertId)") }
            if row.bool("acknowledged") == true { throw APIError.conflict("alert \(alertId) is already acknowledged") }
            let updated = try s.query("""
                UPDATE alert_logs x SET acknowledged_at = now(), acknowledged_by = \(adminId), resolution = \(resolution)
                WHERE x.id = \(alertId)
                RETURNING to_jsonb(x)::text AS j, to_jsonb(x.acknowledged_at) #>> '{}' AS acknowledged_at
                """).first
            try AuditLog.record(
                adminId: adminId, clientId: row.string("client_id"), action: .acknowledgeAlert, reason: reason,
                before: ["acknowledged_at": NSNull(), "acknowledged_by": NSNull(), "resolution": row.string("resolution") ?? NSNull()],
                after: ["acknowledged_at": updated?.string("acknowledged_at").map(RowJSON.timestamp) ?? NSNull(),
                        "acknowledged_by": adminId, "resolution": resolution],
                extra: ["alert_id": alertId, "alert_type": row.string("alert_type") ?? NSNull()],
                in: s)
            return updated?.string("j")
        }
    }

    /// Replays one stored event now, against the current state (see `EventReplayer`); 404 for
    /// an unknown Stripe event id. Answers the event (with payload and a `replay` summary).
    func replayEvent(id eventId: String, adminId: String, reason rawReason: String?) async throws -> String {
        let reason = try AdminRequest.reason(rawReason)
        let replayer = self.replayer
        return try await db.transaction { s in
            guard let event = try replayer.replay(stripeEventId: eventId, adminId: adminId, reason: reason, in: s) else {
                throw APIError.notFound("no event with id \(eventId)")
            }
            return event
        }
    }
}
