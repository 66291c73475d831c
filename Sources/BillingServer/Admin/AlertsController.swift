import BillingPostgres
import Hummingbird

/// `/api/admin/alerts…` (SPEC §7): list alerts (default: unacknowledged) and acknowledge one.
/// Alerts are shown with their `alert_logs` column names.
struct AlertsController: Sendable {
    let db: AdminDatabase
    let actions: AdminActions

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

    /// `POST /api/admin/alerts/:id/acknowledge` `{"reason","resolution"}` (`AdminActions.acknowledgeAlert`).
    func acknowledge(_ request: Request, context: AppContext) async throws -> Response {
        let adminId = try context.requireAdmin()
        let body = try await AdminRequest.decode(AdminRequest.Acknowledge.self, from: request)
        let alert = try await actions.acknowledgeAlert(
            id: try context.parameters.require("id"), adminId: adminId, reason: body.reason, resolution: body.resolution)
        return RowJSON.response(alert)
    }
}
