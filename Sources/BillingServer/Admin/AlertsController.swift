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
        let acknowledged: AlertLogStore.Acknowledged
        switch query["acknowledged"] ?? "false" {
        case "false": acknowledged = .open
        case "true": acknowledged = .acknowledged
        case "any": acknowledged = .any
        default: throw APIError.invalidRequest("`acknowledged` must be true, false or any")
        }
        let afterId = try page.afterId()
        let result = try await db.transaction { s in
            try AlertLogStore.page(acknowledged, clientId: query["client_id"], type: query["type"], afterId: afterId, limit: page.limit, in: s)
        }
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
