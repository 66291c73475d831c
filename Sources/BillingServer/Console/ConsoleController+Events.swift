import BillingCore
import BillingPostgres
import Foundation
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
        let status = try EventsController.statusFilter(query)
        let afterId = try page.afterId()
        let result = try await db.transaction { s in
            try EventLogStore.page(status: status, type: query["type"], clientId: query["client_id"], afterId: afterId,
                                   limit: page.limit, in: s)
        }
        let next = result.nextCursor.map { cursor in
            ConsoleURL.make("/console/events", [("status", query["status"]), ("type", query["type"]),
                                                ("client_id", query["client_id"]), ("cursor", cursor)])
        }
        let body = EventsBody(
            statuses: FilterOption.list(EventStatus.allCases.map(\.rawValue), current: query["status"]),
            type: query["type"] ?? "", clientId: query["client_id"] ?? "",
            rows: result.rows.map { Self.eventRow(RowJSON.object($0.json)) }, next: next)
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
        let text = try await db.transaction { s in try EventLogStore.detail(stripeEventId: eventId, in: s) }
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
        let body = EventBody(fields: fields, payload: Self.prettyJSON(row["payload"]),
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

extension ConsoleController {
    /// A payload as indented JSON text with sorted keys (escaped by the template when shown).
    static func prettyJSON(_ payload: Any?) -> String? {
        guard let payload, !(payload is NSNull),
              let data = try? JSONSerialization.data(withJSONObject: payload, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
