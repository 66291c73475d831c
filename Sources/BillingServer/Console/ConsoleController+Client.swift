import BillingCore
import BillingPostgres
import Hummingbird

/// One client's page: billing, controls, onboarding, the action forms, its alerts, its recent
/// events and its audit trail.
extension ConsoleController {
    /// A form posting one client action with a reason.
    struct ActionForm {
        let name, label, help, post: String
    }

    struct ClientBody {
        let id, name, gate: String
        let billing, controls, onboarding: [LabelValue]
        let actions: [ActionForm]
        let alerts: [AlertRow]
        let events: [EventRow]
        let audit: [AuditRow]
        let timeline: ClientTimeline
    }

    struct AuditRow {
        let createdAt, adminId, action, reason: String
    }

    /// `GET /console/clients/:id[?done=<action>]`.
    func client(_ request: Request, _ context: AppContext) async throws -> Response {
        let clientId = try context.parameters.require("id")
        let data = try await db.transaction { s in
            (view: try ClientViewStore.view(clientId: clientId, in: s),
             alerts: try AlertLogStore.latest(clientId: clientId, limit: 20, in: s),
             events: try EventLogStore.latest(clientId: clientId, limit: 20, in: s),
             audit: try AdminActionStore.latest(clientId: clientId, limit: 20, in: s),
             timeline: try ClientTimelineStore.read(clientId: clientId, historyLimit: 1000, markerLimit: 100, in: s))
        }
        guard let viewText = data.view else { throw APIError.notFound("no client with id \(clientId)") }
        let v = RowReader(ClientView.object(viewText))
        let (b, c, o) = (v.nested("billing"), v.nested("controls"), v.nested("onboarding"))
        let body = ClientBody(
            id: clientId, name: v.text("business_name") ?? "", gate: v.text("gate") ?? "",
            billing: [
                LabelValue(label: "Status", value: b.text("status") ?? ""),
                LabelValue(label: "Payment source", value: b.text("payment_source") ?? ""),
                LabelValue(label: "Stripe customer", value: b.text("stripe_customer_id") ?? "—"),
                LabelValue(label: "Stripe subscription", value: b.text("stripe_subscription_id") ?? "—"),
                LabelValue(label: "Trial ends", value: b.time("trial_ends_at") ?? "—"),
                LabelValue(label: "Period ends", value: b.time("current_period_end") ?? "—"),
                LabelValue(label: "Cancel at period end", value: b.flag("cancel_at_period_end")),
                LabelValue(label: "Collection paused", value: b.flag("collection_paused")),
                LabelValue(label: "Canceled", value: b.time("canceled_at") ?? "—"),
            ],
            controls: [
                LabelValue(label: "Outbound paused", value: c.flag("outbound_paused")),
                LabelValue(label: "AI disabled", value: c.flag("ai_disabled")),
                LabelValue(label: "Alerts muted", value: c.flag("ops_alerts_muted")),
                LabelValue(label: "Gate alerted", value: c.time("payment_gate_alerted_at") ?? "—"),
                LabelValue(label: "Gate alerts sent", value: c.text("payment_gate_alert_count") ?? "0"),
                LabelValue(label: "Open alerts", value: v.text("open_alert_count") ?? "0"),
            ],
            onboarding: [
                LabelValue(label: "State", value: o.text("current_state") ?? ""),
                LabelValue(label: "Completed", value: o.time("completed_at") ?? "—"),
            ],
            actions: Self.actionForms(clientId: clientId, controls: c, onboarding: o),
            alerts: data.alerts.map { Self.alertRow(RowJSON.object($0.json)) },
            events: data.events.map { Self.eventRow(RowJSON.object($0.json)) },
            audit: data.audit.map { a in
                let r = RowReader(RowJSON.object(a.json))
                return AuditRow(createdAt: r.time("created_at") ?? "", adminId: r.text("admin_id") ?? "",
                                action: r.text("action") ?? "", reason: r.text("reason") ?? "")
            },
            timeline: ClientTimeline(data.timeline, current: b.text("status") ?? "PENDING"))
        let done = request.uri.queryParameters["done"].flatMap { ClientAction(rawValue: String($0)) }
        return page("client", "Client " + clientId, context, flash: done.map { "\(Self.label($0)) done." }, body: body)
    }

    /// The forms that make sense for the client now: each toggle shows its one useful side.
    static func actionForms(clientId: String, controls: RowReader, onboarding: RowReader) -> [ActionForm] {
        let shown = ClientAction.allCases.filter { action in
            switch action {
            case .confirmPayment, .waive, .resetPaymentAlert: true
            case .pauseOutbound: controls.flag("outbound_paused") == "no"
            case .resumeOutbound: controls.flag("outbound_paused") == "yes"
            case .muteAlerts: controls.flag("ops_alerts_muted") == "no"
            case .unmuteAlerts: controls.flag("ops_alerts_muted") == "yes"
            case .completeOnboarding: onboarding.text("current_state") != "COMPLETED"
            }
        }
        let base = "/console/clients/" + ConsoleURL.segment(clientId) + "/"
        return shown.map { ActionForm(name: $0.rawValue, label: label($0), help: help($0), post: base + $0.rawValue) }
    }

    static func label(_ action: ClientAction) -> String {
        switch action {
        case .confirmPayment: "Confirm payment"
        case .waive: "Waive"
        case .completeOnboarding: "Complete onboarding"
        case .pauseOutbound: "Pause outbound"
        case .resumeOutbound: "Resume outbound"
        case .muteAlerts: "Mute alerts"
        case .unmuteAlerts: "Unmute alerts"
        case .resetPaymentAlert: "Reset payment alert"
        }
    }

    static func help(_ action: ClientAction) -> String {
        switch action {
        case .confirmPayment: "Sets ACTIVE with payment source MANUAL; opens the gate and acknowledges its open alerts."
        case .waive: "Sets ACTIVE with payment source WAIVED; opens the gate and acknowledges its open alerts."
        case .completeOnboarding: "Marks onboarding COMPLETED."
        case .pauseOutbound: "Stops outbound messages to this client."
        case .resumeOutbound: "Resumes outbound messages to this client."
        case .muteAlerts: "Payment-gate alerts for this client are no longer raised."
        case .unmuteAlerts: "Payment-gate alerts are raised again (nothing is raised retroactively)."
        case .resetPaymentAlert: "Re-arms the payment-gate alert without acknowledging anything."
        }
    }
}
