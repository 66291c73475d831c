import BillingCore
import BillingPostgres
import Foundation
import Hummingbird

/// `/api/admin/clients…` (SPEC §7): list, show and create clients, and the client actions
/// (`AdminActions.perform`). Every answer about a client is its client view.
struct ClientsController: Sendable {
    let db: AdminDatabase
    let actions: AdminActions

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("clients") { request, _ in try await self.list(request) }
        group.post("clients") { request, context in try await self.create(request, context: context) }
        group.get("clients/:id") { _, context in try await self.show(context) }
        group.get("clients/:id/history") { request, context in try await self.history(request, context: context) }
        for action in ClientAction.allCases {
            group.post("clients/:id/\(action.rawValue)") { request, context in
                try await self.perform(action, request, context: context)
            }
        }
    }

    /// `GET /api/admin/clients?status=&gate=&limit=&cursor=`, ordered by client id.
    func list(_ request: Request) async throws -> Response {
        let query = request.queryDictionary
        let page = try PageRequest(query)
        let (status, gate) = try Self.filters(query)
        let result = try await db.transaction { s in
            try ClientViewStore.page(status: status, gate: gate, afterId: page.after, limit: page.limit, in: s)
        }
        return result.response(ClientView.object)
    }

    /// `POST /api/admin/clients/:id/<action>` `{"reason"}`: answers 200 with the client view.
    func perform(_ action: ClientAction, _ request: Request, context: AppContext) async throws -> Response {
        let adminId = try context.requireAdmin()
        let body = try await AdminRequest.decode(AdminRequest.Reason.self, from: request)
        let view = try await actions.perform(action, clientId: try context.parameters.require("id"), adminId: adminId,
                                             reason: body.reason, logger: context.logger)
        return JSONResponse.make(status: .ok, object: ClientView.object(view))
    }

    /// `GET /api/admin/clients/:id`.
    func show(_ context: AppContext) async throws -> Response {
        let clientId = try context.parameters.require("id")
        let view = try await db.transaction { s in try ClientViewStore.view(clientId: clientId, in: s) }
        guard let view else { throw APIError.notFound("no client with id \(clientId)") }
        return JSONResponse.make(status: .ok, object: ClientView.object(view))
    }

    /// `GET /api/admin/clients/:id/history?limit=&cursor=`: the client's `billing_status_history`, newest
    /// first, paged like the other lists; 404 for an unknown client.
    func history(_ request: Request, context: AppContext) async throws -> Response {
        let clientId = try context.parameters.require("id")
        let page = try PageRequest(request.queryDictionary)
        let result = try await db.transaction { s in
            guard try ClientViewStore.exists(clientId: clientId, in: s) else {
                throw APIError.notFound("no client with id \(clientId)")
            }
            return try StatusHistoryStore.page(clientId: clientId, afterId: page.afterId(), limit: page.limit, in: s)
        }
        return result.response()
    }

    /// `POST /api/admin/clients` `{"id","business_name","reason"}`: the client with its
    /// `client_billing` (PENDING, NONE), `client_controls` and `onboarding_states` rows; 201,
    /// or 409 when the id exists.
    func create(_ request: Request, context: AppContext) async throws -> Response {
        let adminId = try context.requireAdmin()
        let body = try await AdminRequest.decode(AdminRequest.CreateClient.self, from: request)
        let reason = try AdminRequest.reason(body.reason)
        let clientId = try AdminRequest.required(body.id, "id", maxLength: 200)
        let name = try AdminRequest.required(body.business_name, "business_name", maxLength: 500)
        let view = try await db.transaction { s in
            guard let created = try ClientStateStore.create(clientId: clientId, businessName: name, in: s) else {
                throw APIError.conflict("a client with id \(clientId) already exists")
            }
            try AuditLog.record(
                adminId: adminId, clientId: clientId, action: .createClient, reason: reason, before: nil,
                after: ["id": clientId, "business_name": name, "status": created.billing.status.rawValue,
                        "payment_source": created.billing.paymentSource.rawValue],
                in: s)
            return try ClientViewStore.view(clientId: clientId, in: s)
        }
        return JSONResponse.make(status: .created, object: ClientView.object(view))
    }
}

extension AppContext {
    /// The admin the middleware authenticated (always set behind `AdminAuthMiddleware`).
    func requireAdmin() throws -> String {
        guard let adminId else { throw APIError.unauthorized }
        return adminId
    }
}

extension ClientsController {
    /// The `status` and `gate` filters of a client list; an unknown value is a 400.
    static func filters(_ query: [String: String]) throws -> (BillingStatus?, PaymentGate?) {
        let status = try query["status"].map { raw in
            guard let s = BillingStatus(rawValue: raw) else {
                throw APIError.invalidRequest("`status` must be one of " + BillingStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return s
        }
        let gate = try query["gate"].map { raw in
            guard let g = PaymentGate(rawValue: raw) else { throw APIError.invalidRequest("`gate` must be open, closed or pending") }
            return g
        }
        return (status, gate)
    }
}
