import BillingCore
import BillingPostgres
import BillingServer
import Foundation
import Testing

/// The client actions (SPEC §5–§7): billing effects through the state machine with their alert
/// behaviour, the control flags and onboarding, each with one audit row.
@Suite struct AdminClientActionsTests {
    /// The client's billing and controls row, as stored.
    static func state(_ pool: PGPool, _ id: String) async throws -> PGRow {
        try #require(try await TestApp.rows(pool, """
            SELECT b.status::text AS status, b.payment_source::text AS source, c.payment_gate_alerted_at,
                   c.payment_gate_alerted_states::text AS states, c.payment_gate_alert_count AS count,
                   c.outbound_paused, c.ops_alerts_muted
            FROM client_billing b JOIN client_controls c USING (client_id) WHERE client_id = '\(id)'
            """).first)
    }

    /// The client's PAYMENT_GATE alerts, oldest first.
    static func gateAlerts(_ pool: PGPool, _ id: String) async throws -> [PGRow] {
        try await TestApp.rows(pool, """
            SELECT acknowledged_at, acknowledged_by, resolution FROM alert_logs
            WHERE client_id = '\(id)' AND alert_type = 'PAYMENT_GATE' ORDER BY id
            """)
    }

    /// PAST_DUE with an open gate alert → confirm-payment → ACTIVE/MANUAL; the alert is acknowledged by `system`,
    /// the alert memory is cleared, the count is kept, one audit row holds before/after, and the transition is counted.
    @Test func confirmPaymentOpensTheGate() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_pay", status: .pastDue, openAlert: true)
            let answer = try await AdminTest.post(client, "/api/admin/clients/c_pay/confirm-payment", ["reason": "wire received"])
            #expect(answer.status == 200)
            #expect((answer.json["billing"] as? [String: Any])?["status"] as? String == "ACTIVE")
            #expect((answer.json["billing"] as? [String: Any])?["payment_source"] as? String == "MANUAL")
            #expect(answer.json["gate"] as? String == "open")
            #expect(answer.json["open_alert_count"] as? Int == 0)
            let row = try await Self.state(pool, "c_pay")
            #expect(row.string("status") == "ACTIVE" && row.string("source") == "MANUAL")
            #expect(row.string("payment_gate_alerted_at") == nil)
            #expect(row.string("states") == "{}")
            #expect(row.int("count") == 1)
            let alerts = try await Self.gateAlerts(pool, "c_pay")
            #expect(alerts.count == 1)
            #expect(alerts.first?.string("acknowledged_by") == "system")
            #expect(alerts.first?.string("resolution")?.contains("confirm-payment") == true)
            let audit = try await TestApp.rows(pool, """
                SELECT action, admin_id, reason, metadata->'before'->>'status' AS before, metadata->'after'->>'status' AS after,
                       metadata->'after'->>'payment_source' AS source, jsonb_array_length(metadata->'acknowledged_alert_ids') AS acked
                FROM admin_actions
                """)
            #expect(audit.count == 1)
            #expect(audit.first?.string("action") == "confirm-payment")
            #expect(audit.first?.string("reason") == "wire received")
            #expect(audit.first?.string("before") == "PAST_DUE" && audit.first?.string("after") == "ACTIVE")
            #expect(audit.first?.string("source") == "MANUAL")
            #expect(audit.first?.int("acked") == 1)
            let text = try await AdminOperationsTests.metricsText(client)
            #expect(AdminOperationsTests.value(text, #"billing_transitions_total{from="PAST_DUE",to="ACTIVE"}"#) == 1)
        }
    }

    /// waive → ACTIVE/WAIVED, with the same gate-opening effects.
    @Test func waiveOpensTheGate() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_waive", status: .unpaid, openAlert: true, alertCount: 2)
            let answer = try await AdminTest.post(client, "/api/admin/clients/c_waive/waive", ["reason": "goodwill"])
            #expect(answer.status == 200)
            let row = try await Self.state(pool, "c_waive")
            #expect(row.string("status") == "ACTIVE" && row.string("source") == "WAIVED")
            #expect(row.string("payment_gate_alerted_at") == nil && row.string("states") == "{}")
            #expect(row.int("count") == 2)
            #expect(try await Self.gateAlerts(pool, "c_waive").first?.string("acknowledged_by") == "system")
            #expect(try await AdminTest.auditCount(pool, clientId: "c_waive") == 1)
        }
    }

    /// reset-payment-alert re-arms (list emptied, alerted_at cleared, count kept) without acknowledging
    /// anything and without changing the status.
    @Test func resetPaymentAlertRearmsWithoutAcknowledging() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_reset", status: .pastDue, openAlert: true)
            let answer = try await AdminTest.post(client, "/api/admin/clients/c_reset/reset-payment-alert", ["reason": "re-arm"])
            #expect(answer.status == 200)
            #expect(answer.json["open_alert_count"] as? Int == 1)
            let row = try await Self.state(pool, "c_reset")
            #expect(row.string("status") == "PAST_DUE" && row.string("source") == "STRIPE")
            #expect(row.string("payment_gate_alerted_at") == nil && row.string("states") == "{}")
            #expect(row.int("count") == 1)
            let alerts = try await Self.gateAlerts(pool, "c_reset")
            #expect(alerts.count == 1 && alerts.first?.string("acknowledged_at") == nil)
            #expect(try await AdminTest.auditCount(pool, clientId: "c_reset") == 1)
        }
    }

    /// A client that exists only in `clients` gets its companion rows and the action applies.
    @Test func confirmPaymentOnABareClient() async throws {
        try await TestApp.withApp { client, pool in
            _ = try await TestApp.rows(pool, "INSERT INTO clients (id, business_name) VALUES ('c_bare', 'Bare') RETURNING id")
            let answer = try await AdminTest.post(client, "/api/admin/clients/c_bare/confirm-payment")
            #expect(answer.status == 200)
            #expect(try await Self.state(pool, "c_bare").string("status") == "ACTIVE")
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM onboarding_states WHERE client_id = 'c_bare'") == 1)
        }
    }

    /// A reason PostgreSQL cannot store (a NUL character; found by schemathesis) is a 400
    /// `invalid_request`, never a 500, and writes nothing.
    @Test func unstorableReasonIs400() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.createClient(client, "c_nul")
            let before = try await AdminTest.auditCount(pool)
            let answer = try await AdminTest.post(client, "/api/admin/clients/c_nul/pause-outbound", ["reason": "a\u{0}b"])
            #expect(answer.status == 400)
            #expect(answer.errorCode == "invalid_request")
            #expect(try await AdminTest.auditCount(pool) == before)
            #expect(try await Self.state(pool, "c_nul").bool("outbound_paused") == false)
        }
    }

    /// pause/resume-outbound and mute/unmute-alerts flip their flag; each writes one audit row with before/after.
    @Test func controlFlagsFlipAndAreAudited() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.createClient(client, "c_flags")
            let steps: [(String, String, Bool)] = [
                ("pause-outbound", "outbound_paused", true), ("resume-outbound", "outbound_paused", false),
                ("mute-alerts", "ops_alerts_muted", true), ("unmute-alerts", "ops_alerts_muted", false),
            ]
            for (action, flag, value) in steps {
                let answer = try await AdminTest.post(client, "/api/admin/clients/c_flags/\(action)", ["reason": action])
                #expect(answer.status == 200)
                #expect((answer.json["controls"] as? [String: Any])?[flag] as? Bool == value, "\(action)")
                #expect(try await Self.state(pool, "c_flags").bool(flag) == value)
                let audit = try #require(try await TestApp.rows(pool, """
                    SELECT action, metadata->'before'->>'\(flag)' AS before, metadata->'after'->>'\(flag)' AS after
                    FROM admin_actions ORDER BY id DESC LIMIT 1
                    """).first)
                #expect(audit.string("action") == action)
                #expect(audit.string("before") == String(!value) && audit.string("after") == String(value))
            }
            #expect(try await AdminTest.auditCount(pool, clientId: "c_flags") == 5)
        }
    }

    /// complete-onboarding sets COMPLETED and completed_at; a second call keeps the first completion time.
    @Test func completeOnboardingSetsCompletedAt() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.createClient(client, "c_onb")
            let first = try await AdminTest.post(client, "/api/admin/clients/c_onb/complete-onboarding", ["reason": "kickoff done"])
            let onboarding = try #require(first.json["onboarding"] as? [String: Any])
            #expect(onboarding["current_state"] as? String == "COMPLETED")
            let completedAt = try #require(onboarding["completed_at"] as? String)
            #expect(completedAt.hasSuffix("Z"))
            let second = try await AdminTest.post(client, "/api/admin/clients/c_onb/complete-onboarding", ["reason": "again"])
            #expect((second.json["onboarding"] as? [String: Any])?["completed_at"] as? String == completedAt)
            let audit = try await TestApp.rows(pool, """
                SELECT metadata->'before'->>'current_state' AS before, metadata->'after'->>'current_state' AS after
                FROM admin_actions WHERE action = 'complete-onboarding' ORDER BY id
                """)
            #expect(audit.map { $0.string("before") } == ["NOT_STARTED", "COMPLETED"])
            #expect(audit.map { $0.string("after") } == ["COMPLETED", "COMPLETED"])
        }
    }
}
