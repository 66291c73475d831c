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
            guard let alert = try AlertLogStore.lockForAcknowledgement(alertId: alertId, in: s) else {
                throw APIError.notFound("no alert with id \(alertId)")
            }
            if alert.isAcknowledged { throw APIError.conflict("alert \(alertId) is already acknowledged") }
            let updated = try AlertLogStore.acknowledge(alertId: alertId, by: adminId, resolution: resolution, in: s)
            try AuditLog.record(
                adminId: adminId, clientId: alert.clientId, action: .acknowledgeAlert, reason: reason,
                before: ["acknowledged_at": NSNull(), "acknowledged_by": NSNull(), "resolution": alert.resolution ?? NSNull()],
                after: ["acknowledged_at": updated?.acknowledgedAt.map(RowJSON.timestamp) ?? NSNull(),
                        "acknowledged_by": adminId, "resolution": resolution],
                extra: ["alert_id": alertId, "alert_type": alert.alertType ?? NSNull()],
                in: s)
            return updated?.json
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
