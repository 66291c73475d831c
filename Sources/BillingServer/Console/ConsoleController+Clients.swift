import BillingCore
import BillingPostgres
import Hummingbird

/// The clients list, one client's page, and the client action forms.
extension ConsoleController {
    struct ClientRow {
        let id, href, name, status, source, gate: String
        let openAlerts: Int
        let hasOpenAlerts: Bool
        let lastEventType: String?
        let lastEventAt: String?
    }

    struct ClientsBody {
        let statuses: [FilterOption]
        let gates: [FilterOption]
        let rows: [ClientRow]
        let next: String?
    }

    /// `GET /console/clients?status=&gate=&cursor=`: the admin API's client list, as a table.
    func clients(_ request: Request, _ context: AppContext) async throws -> Response {
        let query = request.queryDictionary.filter { !$0.value.isEmpty }
        let page = try PageRequest(query)
        let (status, gate) = try ClientsController.filters(query)
        let result = try await db.transaction { s in
            try ClientViewStore.page(status: status, gate: gate, afterId: page.after, limit: page.limit, in: s)
        }
        let rows = result.rows.map { Self.clientRow(ClientView.object($0.json)) }
        let next = result.nextCursor.map { cursor in
            ConsoleURL.make("/console/clients", [("status", status?.rawValue), ("gate", gate?.rawValue), ("cursor", cursor)])
        }
        let body = ClientsBody(
            statuses: FilterOption.list(BillingStatus.allCases.map(\.rawValue), current: status?.rawValue),
            gates: FilterOption.list(PaymentGate.allCases.map(\.rawValue), current: gate?.rawValue),
            rows: rows, next: next)
        return self.page("clients", "Clients", context, body: body)
    }

    static func clientRow(_ view: [String: Any]) -> ClientRow {
        let v = RowReader(view)
        let id = v.text("id") ?? ""
        let open = Int(v.text("open_alert_count") ?? "0") ?? 0
        let last = v.nested("last_event")
        return ClientRow(
            id: id, href: "/console/clients/" + ConsoleURL.segment(id), name: v.text("business_name") ?? "",
            status: v.nested("billing").text("status") ?? "", source: v.nested("billing").text("payment_source") ?? "",
            gate: v.text("gate") ?? "", openAlerts: open, hasOpenAlerts: open > 0,
            lastEventType: last.text("type") ?? last.text("id"), lastEventAt: last.time("created"))
    }

    /// `POST /console/clients/:id/:action` with `reason`: the admin API's client action.
    func clientAction(_ context: AppContext) async throws -> Response {
        let session = try context.requireConsoleSession()
        let form = try context.requireConsoleForm()
        let clientId = try context.parameters.require("id")
        let raw = try context.parameters.require("action")
        guard let action = ClientAction(rawValue: raw) else { throw APIError.notFound("no client action named \(raw)") }
        _ = try await actions.perform(action, clientId: clientId, adminId: session.adminId, reason: form["reason"], logger: context.logger)
        return ConsoleRenderer.redirect(ConsoleURL.make("/console/clients/" + ConsoleURL.segment(clientId), [("done", action.rawValue)]))
    }
}
