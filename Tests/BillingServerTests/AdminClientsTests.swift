import BillingCore
import BillingServer
import Foundation
import Testing

/// `/api/admin/clients`: create, show, list, filters, pagination and refusals (SPEC §7).
@Suite struct AdminClientsTests {
    /// Creating a client answers 201 with its view, writes the four rows and exactly one audit row.
    @Test func createClientWritesRowsAndOneAuditRow() async throws {
        try await TestApp.withApp { client, pool in
            let answer = try await AdminTest.createClient(client, "c_new", name: "New Co")
            #expect(answer.status == 201)
            #expect(answer.json["id"] as? String == "c_new")
            #expect(answer.json["gate"] as? String == "pending")
            #expect((answer.json["billing"] as? [String: Any])?["status"] as? String == "PENDING")
            #expect((answer.json["billing"] as? [String: Any])?["payment_source"] as? String == "NONE")
            for table in ["clients WHERE id", "client_billing WHERE client_id", "client_controls WHERE client_id",
                          "onboarding_states WHERE client_id"] {
                #expect(try await TestApp.count(pool, "SELECT count(*) FROM \(table) = 'c_new'") == 1, "\(table)")
            }
            let audit = try await TestApp.rows(pool, """
                SELECT admin_id, client_id, action, reason, metadata->'before' AS before, metadata->'after'->>'business_name' AS name
                FROM admin_actions
                """)
            #expect(audit.count == 1)
            #expect(audit.first?.string("admin_id") == "alice")
            #expect(audit.first?.string("client_id") == "c_new")
            #expect(audit.first?.string("action") == "create-client")
            #expect(audit.first?.string("reason") == "onboarding call")
            #expect(audit.first?.string("before") == "null")
            #expect(audit.first?.string("name") == "New Co")
        }
    }

    /// The client view has exactly the fields of SPEC §7, with ISO 8601 timestamps and `last_event`.
    @Test func clientViewHasTheContractFields() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_view", status: .pastDue, openAlert: true)
            try await AdminTest.insertEvent(pool, id: "evt_last", type: "invoice.payment_failed", clientId: "c_view")
            _ = try await TestApp.rows(pool, """
                UPDATE client_billing SET last_event_id = 'evt_last', last_event_created_at = to_timestamp(1750000000),
                       trial_ends_at = '2025-06-02T09:15:07Z' WHERE client_id = 'c_view' RETURNING 1 AS one
                """)
            let view = try await AdminTest.get(client, "/api/admin/clients/c_view").json
            #expect(Set(view.keys) == ["id", "business_name", "gate", "billing", "controls", "onboarding", "open_alert_count", "last_event"])
            let billing = try #require(view["billing"] as? [String: Any])
            #expect(Set(billing.keys) == ["status", "payment_source", "stripe_customer_id", "stripe_subscription_id", "trial_ends_at",
                                          "current_period_end", "cancel_at_period_end", "collection_paused", "canceled_at"])
            let controls = try #require(view["controls"] as? [String: Any])
            #expect(Set(controls.keys) == ["outbound_paused", "ai_disabled", "ops_alerts_muted", "payment_gate_alerted_at",
                                           "payment_gate_alert_count"])
            let onboarding = try #require(view["onboarding"] as? [String: Any])
            #expect(Set(onboarding.keys) == ["current_state", "completed_at"])
            let last = try #require(view["last_event"] as? [String: Any])
            #expect(last["id"] as? String == "evt_last")
            #expect(last["type"] as? String == "invoice.payment_failed")
            #expect(last["created"] as? String == "2025-06-15T15:06:40Z")
            #expect(billing["trial_ends_at"] as? String == "2025-06-02T09:15:07Z")
            #expect(billing["current_period_end"] is NSNull)
            #expect(controls["payment_gate_alerted_at"] as? String == "2025-06-01T00:00:00Z")
            #expect(controls["payment_gate_alert_count"] as? Int == 1)
            #expect(view["gate"] as? String == "closed")
            #expect(view["open_alert_count"] as? Int == 1)
        }
    }

    /// A client the main application inserted into `clients` alone shows the default companion values.
    @Test func clientWithoutCompanionRowsShowsDefaults() async throws {
        try await TestApp.withApp { client, pool in
            _ = try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('c_bare', 'Bare') RETURNING id")
            let view = try await AdminTest.get(client, "/api/admin/clients/c_bare")
            #expect(view.status == 200)
            #expect((view.json["billing"] as? [String: Any])?["status"] as? String == "PENDING")
            #expect((view.json["onboarding"] as? [String: Any])?["current_state"] as? String == "NOT_STARTED")
            #expect(view.json["last_event"] is NSNull)
        }
    }

    /// An existing id is 409 `conflict`, and nothing is written or audited.
    @Test func duplicateIdIsConflict() async throws {
        try await TestApp.withApp { client, pool in
            #expect(try await AdminTest.createClient(client, "c_dup").status == 201)
            let again = try await AdminTest.createClient(client, "c_dup", name: "Other")
            #expect(again.status == 409)
            #expect(again.errorCode == "conflict")
            #expect(try await AdminTest.auditCount(pool) == 1)
            #expect(try await TestApp.rows(pool, "SELECT business_name FROM clients").map { $0.string("business_name") } == ["Acme"])
        }
    }

    /// A missing or blank reason, or a body that is not JSON, is 400 `invalid_request` and writes nothing.
    @Test(arguments: [nil, "", "   ", "\n\t"] as [String?])
    func blankReasonIsRefused(reason: String?) async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_reason", status: .pastDue, openAlert: true)
            var body: [String: Any] = ["id": "c_blank", "business_name": "Blank"]
            if let reason { body["reason"] = reason }
            let create = try await AdminTest.post(client, "/api/admin/clients", body)
            #expect(create.status == 400 && create.errorCode == "invalid_request")
            let confirm = try await AdminTest.post(client, "/api/admin/clients/c_reason/confirm-payment", reason.map { ["reason": $0] } ?? [:])
            #expect(confirm.status == 400 && confirm.errorCode == "invalid_request")
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM clients WHERE id = 'c_blank'") == 0)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM client_billing WHERE status = 'PAST_DUE'") == 1)
            #expect(try await AdminTest.auditCount(pool) == 0)
        }
    }

    /// A body that is not a JSON object is 400 `invalid_request`.
    @Test func malformedBodyIsInvalidRequest() async throws {
        try await TestApp.withApp { client, pool in
            for raw in ["not json", "[1,2]", ""] {
                let answer = try await client.execute(
                    uri: "/api/admin/clients", method: .post,
                    headers: [.authorization: "Bearer tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1c", .contentType: "application/json"],
                    body: .init(string: raw)) { response in (Int(response.status.code), TestApp.json(response.body)) }
                #expect(answer.0 == 400, "\(raw)")
                #expect((answer.1["error"] as? [String: Any])?["code"] as? String == "invalid_request")
            }
            #expect(try await AdminTest.auditCount(pool) == 0)
        }
    }

    /// Unknown clients are 404 `not_found`, for reads and for actions, and an action on one writes no audit row.
    @Test func unknownClientIsNotFound() async throws {
        try await TestApp.withApp { client, pool in
            let show = try await AdminTest.get(client, "/api/admin/clients/nobody")
            #expect(show.status == 404 && show.errorCode == "not_found")
            for action in ["confirm-payment", "waive", "complete-onboarding", "pause-outbound", "resume-outbound",
                           "mute-alerts", "unmute-alerts", "reset-payment-alert"] {
                let answer = try await AdminTest.post(client, "/api/admin/clients/nobody/\(action)")
                #expect(answer.status == 404 && answer.errorCode == "not_found", "\(action)")
            }
            #expect(try await AdminTest.auditCount(pool) == 0)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM client_billing") == 0)
        }
    }

    /// `status` and `gate` filter the list; unknown filter values are 400.
    @Test func listFiltersByStatusAndGate() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "f_active", status: .active)
            try await AdminTest.seed(pool, "f_trial", status: .trialing)
            try await AdminTest.seed(pool, "f_past", status: .pastDue)
            try await AdminTest.seed(pool, "f_unpaid", status: .unpaid)
            try await AdminTest.seed(pool, "f_pending", status: .pending)
            func ids(_ query: String) async throws -> [String] {
                try await AdminTest.get(client, "/api/admin/clients" + query).data.compactMap { $0["id"] as? String }
            }
            #expect(try await ids("") == ["f_active", "f_past", "f_pending", "f_trial", "f_unpaid"])
            #expect(try await ids("?status=PAST_DUE") == ["f_past"])
            #expect(try await ids("?gate=open") == ["f_active", "f_trial"])
            #expect(try await ids("?gate=closed") == ["f_past", "f_unpaid"])
            #expect(try await ids("?gate=pending") == ["f_pending"])
            #expect(try await ids("?gate=closed&status=UNPAID") == ["f_unpaid"])
            #expect(try await AdminTest.get(client, "/api/admin/clients?status=LATE").status == 400)
            #expect(try await AdminTest.get(client, "/api/admin/clients?gate=ajar").status == 400)
        }
    }

    /// Pages follow `next_cursor` to the end without gaps or repeats; the last page's cursor is null.
    @Test func paginationWalksEveryClientOnce() async throws {
        try await TestApp.withApp { client, pool in
            for i in 0..<7 { try await AdminTest.seed(pool, "p_\(i)", status: .active) }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/admin/clients?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await AdminTest.get(client, uri)
                #expect(page.status == 200)
                #expect(page.json.keys.contains("next_cursor"))
                seen += page.data.compactMap { $0["id"] as? String }
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == (0..<7).map { "p_\($0)" })
            let exact = try await AdminTest.get(client, "/api/admin/clients?limit=7")
            #expect(exact.data.count == 7 && exact.json["next_cursor"] is NSNull)
        }
    }

    /// `limit` above 500, below 1 or not a number, and a cursor this API did not issue, are 400 `invalid_request`.
    @Test func badPagingParametersAreInvalidRequest() async throws {
        try await TestApp.withApp { client, _ in
            for list in ["clients", "alerts", "events", "actions"] {
                for query in ["limit=501", "limit=0", "limit=ten", "cursor=bm9wZQ"] {
                    let answer = try await AdminTest.get(client, "/api/admin/\(list)?\(query)")
                    #expect(answer.status == 400 && answer.errorCode == "invalid_request", "\(list)?\(query)")
                }
                #expect(try await AdminTest.get(client, "/api/admin/\(list)?limit=500").status == 200)
            }
        }
    }
}
