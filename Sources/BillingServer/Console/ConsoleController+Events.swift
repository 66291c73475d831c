import BillingCore
import BillingPostgres
import Hummingbird

/// The events list, one event with its payload, and the replay form.
extension ConsoleController {
    struct EventRow {
        let id, href, type, status: String
        let client, outcome, createdAt, attempts, lastError: String?
    }

    static func eventRow(_ row: [String: Any]) -> EventRow {
        let r = RowReader(row)
        let id = r.text("stripe_event_id") ?? ""
        return EventRow(
            id: id, href: "/console/events/" + ConsoleURL.segment(id), type: r.text("type") ?? "", status: r.text("status") ?? "",
            client: r.text("client_id"), outcome: r.text("outcome"), createdAt: r.time("stripe_created_at"),
            attempts: r.text("attempts"), lastError: r.text("last_error"))
    }

    struct EventsBody {
        let statuses: [FilterOption]
        let type, clientId: String
        let rows: [EventRow]
        let next: String?
    }

    /// `GET /console/events?status=&type=&client_id=&cursor=`, newest first.
    func events(_ request: Request, _ context: AppContext) async throws -> Response {
        let query = request.queryDictionary.filter { !$0.value.isEmpty }
        let page = try PageRequest(query)
        if let status = query["status"], EventStatus(rawValue: status) == nil {
            throw APIError.invalidRequest("`status` must be one of " + EventStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var list = ListQuery(select: "SELECT x.id, \(EventJSON.summary)::text AS j FROM billing_events x")
        list.equals("x.status", query["status"])
        list.equals("x.type", query["type"])
        list.equals("x.client_id", query["client_id"])
        let result = try await db.transaction { [list] s in try list.run(page, in: s) }
        let shown = result.rows.prefix(page.limit)
        let next = result.rows.count > page.limit ? shown.last.map { last in
            ConsoleURL.make("/console/events", [("status", query["status"]), ("type", query["type"]),
                                                ("client_id", query["client_id"]), ("cursor", Cursor.encode(last.key))])
        } : nil
        let body = EventsBody(
            statuses: FilterOption.list(EventStatus.allCases.map(\.rawValue), current: query["status"]),
            type: query["type"] ?? "", clientId: query["client_id"] ?? "",
            rows: shown.map { Self.eventRow(RowJSON.object($0.json)) }, next: next)
        return self.page("events", "Events", context, body: body)
    }

    struct EventBody {
        let fields: [LabelValue]
        let payload: String?
        let post: String
    }

    /// `GET /console/events/:id`: the event's columns and its payload, pretty-printed.
    func event(_ request: Request, _ context: AppContext) async throws -> Response {
        let eventId = try context.parameters.require("id")
        let text = try await db.transaction { s in
            try s.query("SELECT \(unsafeSQL: EventJSON.detail)::text AS j FROM billing_events x WHERE x.stripe_event_id = \(eventId)").first?.string("j")
        }
        guard let text else { throw APIError.notFound("no event with id \(eventId)") }
        let row = RowJSON.object(text)
        let r = RowReader(row)
        let names = ["type", "status", "outcome", "client_id", "source", "api_version", "livemode", "stripe_created_at",
                     "received_at", "processed_at", "attempts", "next_attempt_at", "delivery_count", "last_error"]
        let fields = names.map { name in
            let value = name == "livemode" ? r.knownFlag(name) : (name.hasSuffix("_at") ? r.time(name) : r.text(name))
            return LabelValue(label: name, value: value ?? "—")
        }
        let flash = request.uri.queryParameters["done"] == "replay" ? "Event replayed." : nil
        let body = EventBody(fields: fields, payload: ConsoleQueries.pretty(row["payload"]),
                             post: "/console/events/" + ConsoleURL.segment(eventId) + "/replay")
        return page("event", "Event " + eventId, context, flash: flash, body: body)
    }

    /// `POST /console/events/:id/replay` with `reason`.
    func replay(_ context: AppContext) async throws -> Response {
        let session = try context.requireConsoleSession()
        let form = try context.requireConsoleForm()
        let eventId = try context.parameters.require("id")
        _ = try await actions.replayEvent(id: eventId, adminId: session.adminId, reason: form["reason"])
        return ConsoleRenderer.redirect(ConsoleURL.make("/console/events/" + ConsoleURL.segment(eventId), [("done", "replay")]))
    }
}
