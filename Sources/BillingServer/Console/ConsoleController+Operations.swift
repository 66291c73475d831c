import BillingCore
import BillingPostgres
import Hummingbird

/// The overview and the alerts pages, with the acknowledge form.
extension ConsoleController {
    struct OverviewBody {
        let clientStatuses, eventStatuses: [CountLink]
        let storedEstimate: Int64
        let failed: [EventRow]
        let alertsLastDay, openAlerts: Int
        let charts: OverviewCharts
    }

    /// `GET /console`: clients per status, events per status, the charts (events per hour, queue and
    /// lag, unmatched events, gate changes per day), failed events, alerts of the last 24 h.
    func overview(_ context: AppContext) async throws -> Response {
        let o = try await db.transaction { s in
            try OverviewStore.read(failedLimit: 20, chartStarts: { now in
                (OverviewCharts.firstHour(now: now), OverviewCharts.firstDay(now: now))
            }, in: s)
        }
        let body = OverviewBody(
            clientStatuses: BillingStatus.allCases.map {
                CountLink(label: $0.rawValue, count: String(o.clientsPerStatus[$0.rawValue] ?? 0),
                          href: ConsoleURL.make("/console/clients", [("status", $0.rawValue)]))
            },
            eventStatuses: EventStatus.allCases.map {
                let settled = $0 == .processed || $0 == .ignored
                return CountLink(label: $0.rawValue, count: settled ? "—" : String(o.eventsPerStatus[$0.rawValue] ?? 0),
                                 href: ConsoleURL.make("/console/events", [("status", $0.rawValue)]))
            },
            storedEstimate: o.storedEstimate,
            failed: o.failedEvents.map { Self.eventRow(RowJSON.object($0.json)) },
            alertsLastDay: o.alertsLastDay, openAlerts: o.openAlerts, charts: OverviewCharts(o))
        return page("overview", "Overview", context, body: body)
    }

    struct AlertRow {
        let id, type, severity, message, createdAt, post: String
        let client, clientHref: String?
        let acknowledged: Bool
        let acknowledgedAt, acknowledgedBy, resolution: String?
    }

    static func alertRow(_ row: [String: Any]) -> AlertRow {
        let r = RowReader(row)
        let id = r.text("id") ?? ""
        let client = r.text("client_id")
        return AlertRow(
            id: id, type: r.text("alert_type") ?? "", severity: r.text("severity") ?? "", message: r.text("message") ?? "",
            createdAt: r.time("created_at") ?? "", post: "/console/alerts/" + ConsoleURL.segment(id) + "/acknowledge",
            client: client, clientHref: client.map { "/console/clients/" + ConsoleURL.segment($0) },
            acknowledged: r.text("acknowledged_at") != nil, acknowledgedAt: r.time("acknowledged_at"),
            acknowledgedBy: r.text("acknowledged_by"), resolution: r.text("resolution"))
    }

    struct AlertsBody {
        let open, acknowledged: [AlertRow]
        let next: String?
    }

    /// `GET /console/alerts[?cursor=]`: open alerts first (paged, newest first), then the 20
    /// most recently acknowledged.
    func alerts(_ request: Request, _ context: AppContext) async throws -> Response {
        let query = request.queryDictionary.filter { !$0.value.isEmpty }
        let page = try PageRequest(query)
        let afterId = try page.afterId()
        let (open, done) = try await db.transaction { s in
            (try AlertLogStore.page(.open, clientId: nil, type: nil, afterId: afterId, limit: page.limit, in: s),
             try AlertLogStore.recentlyAcknowledged(limit: 20, in: s))
        }
        let next = open.nextCursor.map { ConsoleURL.make("/console/alerts", [("cursor", $0)]) }
        let body = AlertsBody(open: open.rows.map { Self.alertRow(RowJSON.object($0.json)) },
                              acknowledged: done.map { Self.alertRow(RowJSON.object($0.json)) }, next: next)
        let flash = request.uri.queryParameters["done"].flatMap { Int64(String($0)) }.map { "Alert \($0) acknowledged." }
        return self.page("alerts", "Alerts", context, flash: flash, body: body)
    }

    /// `POST /console/alerts/:id/acknowledge` with `reason` and `resolution`.
    func acknowledge(_ context: AppContext) async throws -> Response {
        let session = try context.requireConsoleSession()
        let form = try context.requireConsoleForm()
        let id = try context.parameters.require("id")
        _ = try await actions.acknowledgeAlert(id: id, adminId: session.adminId, reason: form["reason"], resolution: form["resolution"])
        return ConsoleRenderer.redirect(ConsoleURL.make("/console/alerts", [("done", id)]))
    }
}
