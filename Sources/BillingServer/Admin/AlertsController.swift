import BillingPostgres
import Foundation
import Hummingbird

/// `/api/admin/alerts…` (SPEC §7): list alerts (default: unacknowledged) and acknowledge one.
/// Alerts are shown with their `alert_logs` column names.
struct AlertsController: Sendable {
    let db: AdminDatabase

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("alerts") { request, _ in try await self.list(request) }
        group.post("alerts/:id/acknowledge") { request, context in try await self.acknowledge(request, context: context) }
    }

    /// `GET /api/admin/alerts?acknowledged=true|false|any&client_id=&type=&limit=&cursor=`, newest first.
    func list(_ request: Request) async throws -> Response {
        let query = request.queryDictionary
        let page = try PageRequest(query)
        var list = ListQuery(select: "SELECT x.id, to_jsonb(x)::text AS j FROM alert_logs x")
        switch query["acknowledged"] ?? "false" {
        case "false": list.condition("x.acknowledged_at IS NULL")
        case "true": list.condition("x.acknowledged_at IS NOT NULL")
        case "any": break
        default: throw APIError.invalidRequest("`acknowledged` must be true, false or any")
        }
        list.equals("x.client_id", query["client_id"])
        list.equals("x.alert_type", query["type"])
        let result = try await db.transaction { [list] s in try list.run(page, in: s) }
        return result.response()
    }

    /// `POST /api/admin/alerts/:id/acknowledge` `{"reason","resolution"}`: records the admin in
    /// `acknowledged_by`; 409 when the alert is already acknowledged. Answers the alert.
    func acknowledge(_ request: Request, context: AppContext) async throws -> Response {
        let adminId = try context.requireAdmin()
        let body = try await AdminRequest.decode(AdminRequest.Acknowledge.self, from: request)
        let reason = try AdminRequest.reason(body.reason)
        let resolution = body.resolution.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 } ?? reason
        let raw = try context.parameters.require("id")
        guard let alertId = Int64(raw) else { throw APIError.notFound("no alert with id \(raw)") }
        let alert = try await db.transaction { s in
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
        return RowJSON.response(alert)
    }
}
