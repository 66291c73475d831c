import BillingCore
import BillingPostgres
import Hummingbird

/// `/api/admin/events…` (SPEC §7): list stored events, show one with its payload, replay one.
/// `:id` is the Stripe event id; events are shown with their `billing_events` column names.
struct EventsController: Sendable {
    let db: AdminDatabase
    let actions: AdminActions

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("events") { request, _ in try await self.list(request) }
        group.get("events/:id") { _, context in try await self.show(context) }
        group.post("events/:id/replay") { request, context in try await self.replay(request, context: context) }
    }

    /// `GET /api/admin/events?status=&type=&client_id=&limit=&cursor=`, newest first, without payloads.
    func list(_ request: Request) async throws -> Response {
        let query = request.queryDictionary
        let page = try PageRequest(query)
        let status = try Self.statusFilter(query)
        let afterId = try page.afterId()
        let result = try await db.transaction { s in
            try EventLogStore.page(status: status, type: query["type"], clientId: query["client_id"], afterId: afterId,
                                   limit: page.limit, in: s)
        }
        return result.response()
    }

    /// `GET /api/admin/events/:id`: the event with its payload (`null` once pruned).
    func show(_ context: AppContext) async throws -> Response {
        let eventId = try context.parameters.require("id")
        let event = try await db.transaction { s in try EventLogStore.detail(stripeEventId: eventId, in: s) }
        guard let event else { throw APIError.notFound("no event with id \(eventId)") }
        return RowJSON.response(event)
    }

    /// `POST /api/admin/events/:id/replay` `{"reason"}`: re-runs the event (`AdminActions.replayEvent`)
    /// and answers it, with a `replay` summary (status and outcome before and after, error).
    func replay(_ request: Request, context: AppContext) async throws -> Response {
        let adminId = try context.requireAdmin()
        let body = try await AdminRequest.decode(AdminRequest.Reason.self, from: request)
        let event = try await actions.replayEvent(id: try context.parameters.require("id"), adminId: adminId, reason: body.reason)
        return RowJSON.response(event)
    }
}

extension EventsController {
    /// The `status` filter of an event list; an unknown status is a 400.
    static func statusFilter(_ query: [String: String]) throws -> EventStatus? {
        try query["status"].map { raw in
            guard let status = EventStatus(rawValue: raw) else {
                throw APIError.invalidRequest("`status` must be one of " + EventStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return status
        }
    }
}
