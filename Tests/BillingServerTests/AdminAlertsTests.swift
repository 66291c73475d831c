import BillingServer
import Foundation
import Testing

/// `/api/admin/alerts` and acknowledgement (SPEC §7, §10).
@Suite struct AdminAlertsTests {
    /// The list shows unacknowledged alerts by default, newest first; `acknowledged`, `client_id` and `type` filter it.
    @Test func listFiltersAlerts() async throws {
        try await TestApp.withApp { client, pool in
            let open1 = try await AdminTest.insertAlert(pool, clientId: "a1")
            let open2 = try await AdminTest.insertAlert(pool, clientId: "a2", type: "EVENT_PROCESSING_FAILED", severity: "CRITICAL")
            let done = try await AdminTest.insertAlert(pool, clientId: "a1", acknowledged: true)
            func ids(_ query: String) async throws -> [Int64] {
                try await AdminTest.get(client, "/api/admin/alerts" + query).data.compactMap { ($0["id"] as? Int).map(Int64.init) }
            }
            #expect(try await ids("") == [open2, open1])
            #expect(try await ids("?acknowledged=false") == [open2, open1])
            #expect(try await ids("?acknowledged=true") == [done])
            #expect(try await ids("?acknowledged=any") == [done, open2, open1])
            #expect(try await ids("?acknowledged=any&client_id=a1") == [done, open1])
            #expect(try await ids("?type=EVENT_PROCESSING_FAILED") == [open2])
            #expect(try await AdminTest.get(client, "/api/admin/alerts?acknowledged=maybe").status == 400)
            let first = try #require(try await AdminTest.get(client, "/api/admin/alerts?type=PAYMENT_GATE").data.first)
            #expect(Set(first.keys) == ["id", "alert_type", "alert_key", "severity", "client_id", "message", "metadata", "created_at",
                                        "acknowledged_at", "acknowledged_by", "resolution"])
            #expect((first["created_at"] as? String)?.hasSuffix("Z") == true)
        }
    }

    /// Acknowledging records the admin in `acknowledged_by` and the resolution, answers the alert, and writes one audit row.
    @Test func acknowledgeRecordsTheAdmin() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_ack", status: .pastDue, openAlert: true)
            let id = try #require(try await TestApp.rows(pool, "SELECT id FROM alert_logs").first?.int64("id"))
            let answer = try await AdminTest.post(client, "/api/admin/alerts/\(id)/acknowledge",
                                                  ["reason": "called the client", "resolution": "paying tomorrow"], token: AdminTest.bobToken)
            #expect(answer.status == 200)
            #expect(answer.json["acknowledged_by"] as? String == "bob")
            #expect(answer.json["resolution"] as? String == "paying tomorrow")
            #expect((answer.json["acknowledged_at"] as? String)?.hasSuffix("Z") == true)
            let audit = try #require(try await TestApp.rows(pool, """
                SELECT admin_id, client_id, action, reason, (metadata->>'alert_id')::bigint AS alert_id,
                       metadata->'after'->>'acknowledged_by' AS by FROM admin_actions
                """).first)
            #expect(audit.string("admin_id") == "bob" && audit.string("client_id") == "c_ack")
            #expect(audit.string("action") == "acknowledge-alert" && audit.string("reason") == "called the client")
            #expect(audit.int64("alert_id") == id && audit.string("by") == "bob")
            #expect(try await AdminTest.get(client, "/api/admin/alerts").data.isEmpty)
        }
    }

    /// A second acknowledgement is 409 `conflict`; unknown ids are 404; a blank reason is 400 — none is audited.
    @Test func refusedAcknowledgementsWriteNothing() async throws {
        try await TestApp.withApp { client, pool in
            let id = try await AdminTest.insertAlert(pool, clientId: "c_x")
            let blank = try await AdminTest.post(client, "/api/admin/alerts/\(id)/acknowledge", ["reason": " ", "resolution": "x"])
            #expect(blank.status == 400 && blank.errorCode == "invalid_request")
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM alert_logs WHERE acknowledged_at IS NULL") == 1)
            #expect(try await AdminTest.post(client, "/api/admin/alerts/\(id)/acknowledge").status == 200)
            let again = try await AdminTest.post(client, "/api/admin/alerts/\(id)/acknowledge")
            #expect(again.status == 409 && again.errorCode == "conflict")
            for unknown in ["999999", "abc"] {
                let missing = try await AdminTest.post(client, "/api/admin/alerts/\(unknown)/acknowledge")
                #expect(missing.status == 404 && missing.errorCode == "not_found")
            }
            #expect(try await AdminTest.auditCount(pool) == 1)
            let stored = try #require(try await TestApp.rows(pool, "SELECT acknowledged_by, resolution FROM alert_logs").first)
            #expect(stored.string("acknowledged_by") == "alice" && stored.string("resolution") == "test")
        }
    }

    /// Alert pages follow `next_cursor`, newest first, without gaps or repeats.
    @Test func alertPagination() async throws {
        try await TestApp.withApp { client, pool in
            var ids: [Int64] = []
            for i in 0..<5 { ids.append(try await AdminTest.insertAlert(pool, clientId: "p\(i)")) }
            var seen: [Int64] = []
            var cursor: String?
            repeat {
                let page = try await AdminTest.get(client, "/api/admin/alerts?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += page.data.compactMap { ($0["id"] as? Int).map(Int64.init) }
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 10
            #expect(seen == ids.reversed())
        }
    }
}
