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
        var list = ListQuery(select: "SELECT x.id, to_jsonb(x)::text AS j FROM admin_actions x")
        list.equals("x.client_id", query["client_id"])
        list.equals("x.admin_id", query["admin_id"])
        let result = try await db.transaction { [list] s in try list.run(page, in: s) }
        return result.response()
    }
}
