import BillingPostgres
import Hummingbird

/// `GET /api/admin/actions` (SPEC §7): the audit trail, newest first, filtered by `client_id`
/// and `admin_id`; rows are shown with their `admin_actions` column names.
struct ActionsController: Sendable {
    let db: AdminDatabase

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("actions") { request, _ in try await self.list(request) }
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.queryDictionary
        let page = try PageRequest(query)
        let afterId = try page.afterId()
        let result = try await db.transaction { s in
            try AdminActionStore.page(clientId: query["client_id"], adminId: query["admin_id"], afterId: afterId, limit: page.limit, in: s)
        }
        return result.response()
    }
}
