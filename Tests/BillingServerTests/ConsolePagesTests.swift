import BillingCore
import BillingPostgres
import BillingServer
import Foundation
import Testing

/// The console's pages and forms (issue 10): the same actions as the admin API with the same
/// audit rows, filters, and untrusted text (client names, reasons, payloads) shown as text.
@Suite struct ConsolePagesTests {
    /// The audit row of `clientId`'s latest action, with the client-specific parts blanked, as JSON text.
    static func audit(_ pool: PGPool, _ clientId: String) async throws -> String {
        try #require(try await TestApp.rows(pool, """
            SELECT jsonb_build_object('admin_id', admin_id, 'action', action, 'reason', reason,
                   'metadata', metadata - 'acknowledged_alert_ids',
                   'acknowledged', jsonb_array_length(metadata->'acknowledged_alert_ids'))::text AS j
            FROM admin_actions WHERE client_id = '\(clientId)' ORDER BY id DESC LIMIT 1
            """).first?.string("j"))
    }

    /// confirm-payment from the console writes the same audit row as from the JSON API, opens the
    /// gate and acknowledges the alert; the client page then shows all of it.
    @Test func consoleAndAPIWriteTheSameAuditRow() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_api", status: .pastDue, openAlert: true)
            try await AdminTest.seed(pool, "c_web", status: .pastDue, openAlert: true)
            let alice = try await ConsoleTest.signIn(client)
            let api = try await AdminTest.post(client, "/api/admin/clients/c_api/confirm-payment", ["reason": "wire received"])
            #expect(api.status == 200)
            let web = try await ConsoleTest.post(client, "/console/clients/c_web/confirm-payment",
                                                 [("_csrf", alice.csrf), ("reason", "wire received")], cookie: alice.cookieHeader)
            #expect(web.status == 303)
            let (fromAPI, fromConsole) = (try await Self.audit(pool, "c_api"), try await Self.audit(pool, "c_web"))
            #expect(fromAPI == fromConsole)
            #expect(fromConsole.contains(#""admin_id": "alice""#) && fromConsole.contains(#""acknowledged": 1"#))
            let page = try await ConsoleTest.get(client, try #require(web.location), cookie: alice.cookieHeader)
            #expect(page.status == 200)
            #expect(page.html.contains(#"id="flash">Confirm payment done.</p>"#))
            #expect(page.html.contains(#"<span class="gate gate-open" id="client-gate">open</span>"#))
            #expect(page.html.contains(#"data-acknowledged="yes""#) && !page.html.contains(#"data-acknowledged="no""#))
            #expect(page.html.contains("<td>alice</td><td>confirm-payment</td><td>wire received</td>"))
        }
    }

    /// Every client action form runs the admin action of its name, audited with the console's admin.
    @Test(arguments: ["confirm-payment", "waive", "complete-onboarding", "pause-outbound", "resume-outbound", "mute-alerts",
                      "unmute-alerts", "reset-payment-alert"])
    func everyClientActionRuns(action: String) async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_act", status: .unpaid, openAlert: true)
            let bob = try await ConsoleTest.signIn(client, token: AdminTest.bobToken)
            let page = try await ConsoleTest.post(client, "/console/clients/c_act/\(action)", [("_csrf", bob.csrf), ("reason", "on call")],
                                                  cookie: bob.cookieHeader)
            #expect(page.status == 303)
            let rows = try await TestApp.rows(pool, "SELECT admin_id, action, reason FROM admin_actions")
            #expect(rows.count == 1)
            #expect(rows.first?.string("admin_id") == "bob" && rows.first?.string("action") == action)
        }
    }

    /// A blank reason, an unknown client or action, and a bad filter answer an HTML error page
    /// with the admin API's status and message; nothing is written.
    @Test func errorsAreHTMLPages() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_err", status: .pastDue)
            let alice = try await ConsoleTest.signIn(client)
            let blank = try await ConsoleTest.post(client, "/console/clients/c_err/waive", [("_csrf", alice.csrf), ("reason", "  ")],
                                                   cookie: alice.cookieHeader)
            #expect(blank.status == 400 && blank.html.contains("`reason` is required"))
            #expect(blank.headers[.contentType] == "text/html; charset=utf-8")
            let unknown = try await ConsoleTest.post(client, "/console/clients/nobody/waive", [("_csrf", alice.csrf), ("reason", "x")],
                                                     cookie: alice.cookieHeader)
            #expect(unknown.status == 404)
            let action = try await ConsoleTest.post(client, "/console/clients/c_err/delete", [("_csrf", alice.csrf), ("reason", "x")],
                                                    cookie: alice.cookieHeader)
            #expect(action.status == 404)
            #expect(try await ConsoleTest.get(client, "/console/clients/nobody", cookie: alice.cookieHeader).status == 404)
            #expect(try await ConsoleTest.get(client, "/console/clients?gate=ajar", cookie: alice.cookieHeader).status == 400)
            #expect(try await ConsoleTest.get(client, "/console/events?status=lost", cookie: alice.cookieHeader).status == 400)
            #expect(try await AdminTest.auditCount(pool) == 0)
        }
    }

    /// The clients list filters by gate and status (empty filters mean any) and colour-codes the gate.
    @Test func clientsFilterByGateAndStatus() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_open", status: .active)
            try await AdminTest.seed(pool, "c_late", status: .pastDue, openAlert: true)
            try await AdminTest.seed(pool, "c_gone", status: .canceled)
            let alice = try await ConsoleTest.signIn(client)
            let closed = try await ConsoleTest.get(client, "/console/clients?status=&gate=closed", cookie: alice.cookieHeader)
            #expect(closed.html.contains(#"data-client-id="c_late""#) && closed.html.contains(#"data-client-id="c_gone""#))
            #expect(!closed.html.contains(#"data-client-id="c_open""#))
            #expect(closed.html.contains(#"<span class="gate gate-closed">closed</span>"#))
            #expect(closed.html.contains(#"<option value="closed" selected>"#))
            let pastDue = try await ConsoleTest.get(client, "/console/clients?status=PAST_DUE&gate=", cookie: alice.cookieHeader)
            #expect(pastDue.html.contains(#"data-client-id="c_late""#) && !pastDue.html.contains(#"data-client-id="c_gone""#))
            let paged = try await ConsoleTest.get(client, "/console/clients?limit=2", cookie: alice.cookieHeader)
            let next = try #require(ConsoleTest.attribute("href", of: #"id="next-page""#, in: paged.html))
            let second = try await ConsoleTest.get(client, next.replacingOccurrences(of: "&amp;", with: "&"), cookie: alice.cookieHeader)
            #expect(second.html.contains(#"data-client-id="c_open""#) && !second.html.contains(#"data-client-id="c_gone""#))
        }
    }

    /// A client named `<script>…`, a reason with markup and a payload that tries to close its
    /// `<pre>` are all shown as text.
    @Test func untrustedTextIsEscaped() async throws {
        try await TestApp.withApp { client, pool in
            let evil = "<script>alert(1)</script>"
            try await AdminTest.createClient(client, "c_evil", name: evil)
            let payload = #"{"id":"evt_evil","object":"event","type":"x","note":"</pre><script>alert(2)</script>"}"#
            _ = try await pool.withConnection { s in
                try s.query("""
                    INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, payload, status, client_id)
                    VALUES ('evt_evil', 'x"><img src=x>', now(), \(payload)::jsonb, 'ignored', 'c_evil')
                    """)
            }
            let alice = try await ConsoleTest.signIn(client)
            _ = try await ConsoleTest.post(client, "/console/clients/c_evil/mute-alerts", [("_csrf", alice.csrf), ("reason", "<b>loud</b>")],
                                           cookie: alice.cookieHeader)
            for uri in ["/console/clients", "/console/clients/c_evil", "/console/events", "/console/events/evt_evil"] {
                let page = try await ConsoleTest.get(client, uri, cookie: alice.cookieHeader)
                #expect(page.status == 200, "\(uri)")
                #expect(!page.html.contains("<script") && !page.html.contains("<img") && !page.html.contains("<b>"), "\(uri)")
            }
            let list = try await ConsoleTest.get(client, "/console/clients", cookie: alice.cookieHeader)
            #expect(list.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let one = try await ConsoleTest.get(client, "/console/clients/c_evil", cookie: alice.cookieHeader)
            #expect(one.html.contains("&lt;b&gt;loud&lt;/b&gt;"))
            let event = try await ConsoleTest.get(client, "/console/events/evt_evil", cookie: alice.cookieHeader)
            #expect(event.html.contains("&quot;note&quot; : &quot;&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;&quot;"))
        }
    }

    /// Alerts: open first with an acknowledge form (recording the admin and the resolution, as the API
    /// does); a second acknowledgement is a 409 page.
    @Test func acknowledgeAnAlert() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_ack", status: .pastDue)
            let id = try await AdminTest.insertAlert(pool, clientId: "c_ack")
            let alice = try await ConsoleTest.signIn(client)
            let before = try await ConsoleTest.get(client, "/console/alerts", cookie: alice.cookieHeader)
            #expect(before.html.contains(#"id="ack-\#(id)""#))
            let fields = [("_csrf", alice.csrf), ("reason", "called them"), ("resolution", "paid by phone")]
            let done = try await ConsoleTest.post(client, "/console/alerts/\(id)/acknowledge", fields, cookie: alice.cookieHeader)
            #expect(done.status == 303 && done.location == "/console/alerts?done=\(id)")
            let row = try #require(try await TestApp.rows(pool, "SELECT acknowledged_by, resolution FROM alert_logs WHERE id = \(id)").first)
            #expect(row.string("acknowledged_by") == "alice" && row.string("resolution") == "paid by phone")
            let after = try await ConsoleTest.get(client, "/console/alerts?done=\(id)", cookie: alice.cookieHeader)
            #expect(!after.html.contains(#"id="ack-\#(id)""#) && after.html.contains("paid by phone"))
            let again = try await ConsoleTest.post(client, "/console/alerts/\(id)/acknowledge", fields, cookie: alice.cookieHeader)
            #expect(again.status == 409)
            #expect(try await AdminTest.auditCount(pool) == 1)
        }
    }

    /// An event delivered without `livemode` is stored with NULL: the admin API shows `null`, the console
    /// `—` (not known), where an event with `"livemode":false` shows `false` and `no`.
    @Test func anEventWithoutLivemodeShowsItAsNotKnown() async throws {
        try await TestApp.withApp { client, _ in
            let known = TestApp.eventBody(id: "evt_test_mode")
            let unknown = Array(String(decoding: TestApp.eventBody(id: "evt_no_mode"), as: UTF8.self)
                .replacingOccurrences(of: #""livemode":false,"#, with: "").utf8)
            #expect(try await TestApp.deliver(client, known).0 == 200)
            #expect(try await TestApp.deliver(client, unknown).0 == 200)
            let api = try await AdminTest.get(client, "/api/admin/events/evt_no_mode")
            #expect(api.status == 200 && api.json.keys.contains("livemode") && api.json["livemode"] is NSNull)
            #expect(try await AdminTest.get(client, "/api/admin/events/evt_test_mode").json["livemode"] as? Bool == false)
            let alice = try await ConsoleTest.signIn(client)
            let page = try await ConsoleTest.get(client, "/console/events/evt_no_mode", cookie: alice.cookieHeader)
            #expect(page.html.contains("<dt>livemode</dt><dd>—</dd>"))
            let testMode = try await ConsoleTest.get(client, "/console/events/evt_test_mode", cookie: alice.cookieHeader)
            #expect(testMode.html.contains("<dt>livemode</dt><dd>no</dd>"))
        }
    }

    /// Events: filters, one event with its payload, and replay with a reason (audited as the API does).
    @Test func eventsPageFiltersShowsThePayloadAndReplaysWithAnAuditRow() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_ev", status: .active)
            try await AdminTest.insertEvent(pool, id: "evt_a", type: "invoice.paid", status: "failed", clientId: "c_ev")
            try await AdminTest.insertEvent(pool, id: "evt_b", type: "invoice.created", status: "processed", clientId: "c_ev")
            let alice = try await ConsoleTest.signIn(client)
            let failed = try await ConsoleTest.get(client, "/console/events?status=failed&type=&client_id=c_ev", cookie: alice.cookieHeader)
            #expect(failed.html.contains(">evt_a<") && !failed.html.contains(">evt_b<"))
            let event = try await ConsoleTest.get(client, "/console/events/evt_a", cookie: alice.cookieHeader)
            #expect(event.html.contains(#"<pre id="payload">{"#) && event.html.contains("&quot;type&quot; : &quot;invoice.paid&quot;"))
            let replay = try await ConsoleTest.post(client, "/console/events/evt_a/replay", [("_csrf", alice.csrf), ("reason", "after fix")],
                                                    cookie: alice.cookieHeader)
            #expect(replay.status == 303 && replay.location == "/console/events/evt_a?done=replay")
            let audit = try await TestApp.rows(pool, "SELECT admin_id, action, reason FROM admin_actions")
            #expect(audit.count == 1 && audit.first?.string("action") == "replay-event" && audit.first?.string("admin_id") == "alice")
            let overview = try await ConsoleTest.get(client, "/console", cookie: alice.cookieHeader)
            #expect(overview.status == 200 && overview.html.contains(#"id="alerts-24h""#))
        }
    }
}
