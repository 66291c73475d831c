import BillingServer
import BillingTestSupport
import Foundation
import Synchronization
import Testing

/// `/api/admin/events`, replay and the audit trail `/api/admin/actions` (SPEC §7).
@Suite struct AdminEventsTests {
    /// Events list newest first without payloads, filtered by status, type and client; an unknown status is 400.
    @Test func listFiltersEvents() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.insertEvent(pool, id: "evt_1", type: "invoice.paid", status: "processed", clientId: "c1")
            try await AdminTest.insertEvent(pool, id: "evt_2", type: "invoice.payment_failed", status: "failed", clientId: "c2")
            try await AdminTest.insertEvent(pool, id: "evt_3", type: "invoice.paid", status: "unmatched")
            func ids(_ query: String) async throws -> [String] {
                try await AdminTest.get(client, "/api/admin/events" + query).data.compactMap { $0["stripe_event_id"] as? String }
            }
            #expect(try await ids("") == ["evt_3", "evt_2", "evt_1"])
            #expect(try await ids("?status=failed") == ["evt_2"])
            #expect(try await ids("?type=invoice.paid") == ["evt_3", "evt_1"])
            #expect(try await ids("?client_id=c1") == ["evt_1"])
            #expect(try await AdminTest.get(client, "/api/admin/events?status=done").status == 400)
            let row = try #require(try await AdminTest.get(client, "/api/admin/events?limit=1").data.first)
            #expect(row["payload"] == nil)
            #expect(row["stripe_created_at"] as? String == "2025-06-15T15:06:40Z")
            #expect(row.keys.contains("delivery_count") && row.keys.contains("next_attempt_at"))
        }
    }

    /// One event shows with its payload; an unknown id is 404.
    @Test func showEventIncludesPayload() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.insertEvent(pool, id: "evt_show")
            let answer = try await AdminTest.get(client, "/api/admin/events/evt_show")
            #expect(answer.status == 200)
            #expect((answer.json["payload"] as? [String: Any])?["id"] as? String == "evt_show")
            let missing = try await AdminTest.get(client, "/api/admin/events/evt_nope")
            #expect(missing.status == 404 && missing.errorCode == "not_found")
        }
    }

    /// Replay re-runs the event at once through the handler, answers it with a `replay` summary, and is audited once;
    /// unknown ids, blank reasons and pruned payloads write nothing.
    @Test func replayRerunsTheEvent() async throws {
        let handler = CountingHandler()
        try await TestApp.withApp(handler: handler) { client, pool in
            try await AdminTest.insertEvent(pool, id: "evt_replay", status: "failed", clientId: "c_r", attempts: 8)
            try await AdminTest.insertEvent(pool, id: "evt_pruned", status: "processed")
            _ = try await TestApp.rows(pool, "UPDATE billing_events SET payload = NULL WHERE stripe_event_id = 'evt_pruned' RETURNING id")
            #expect(try await AdminTest.post(client, "/api/admin/events/evt_nope/replay").status == 404)
            #expect(try await AdminTest.post(client, "/api/admin/events/evt_replay/replay", ["reason": ""]).status == 400)
            let pruned = try await AdminTest.post(client, "/api/admin/events/evt_pruned/replay")
            #expect(pruned.status == 409 && pruned.errorCode == "conflict")
            #expect(try await AdminTest.auditCount(pool) == 0)
            #expect(handler.calls.withLock { $0.isEmpty })
            let answer = try await AdminTest.post(client, "/api/admin/events/evt_replay/replay", ["reason": "bug fixed"])
            #expect(answer.status == 200)
            #expect(answer.json["stripe_event_id"] as? String == "evt_replay")
            #expect(answer.json["status"] as? String == "processed" && answer.json["outcome"] as? String == "applied")
            #expect(answer.json["payload"] is [String: Any])
            let summary = try #require(answer.json["replay"] as? [String: Any])
            #expect(summary["status_before"] as? String == "failed" && summary["status_after"] as? String == "processed")
            #expect(summary["error"] is NSNull)
            let audit = try #require(try await TestApp.rows(pool, """
                SELECT action, client_id, metadata->'before'->>'status' AS before, metadata->'after'->>'outcome' AS after,
                       metadata->>'stripe_event_id' AS event FROM admin_actions
                """).first)
            #expect(audit.string("action") == "replay-event" && audit.string("client_id") == "c_r")
            #expect(audit.string("before") == "failed" && audit.string("after") == "applied")
            #expect(audit.string("event") == "evt_replay")
            #expect(try await AdminTest.auditCount(pool) == 1)
            #expect(handler.calls.withLock { $0["evt_replay"] } == 1)
        }
    }

    /// The audit trail lists every mutation newest first, filtered by client and admin.
    @Test func actionsListFiltersByClientAndAdmin() async throws {
        try await TestApp.withApp { client, _ in
            try await AdminTest.createClient(client, "c_a")
            _ = try await AdminTest.post(client, "/api/admin/clients/c_a/pause-outbound", token: AdminTest.bobToken)
            try await AdminTest.createClient(client, "c_b")
            func actions(_ query: String) async throws -> [String] {
                try await AdminTest.get(client, "/api/admin/actions" + query).data.map {
                    "\($0["admin_id"] as? String ?? "?"):\($0["client_id"] as? String ?? "?"):\($0["action"] as? String ?? "?")"
                }
            }
            #expect(try await actions("") == ["alice:c_b:create-client", "bob:c_a:pause-outbound", "alice:c_a:create-client"])
            #expect(try await actions("?client_id=c_a") == ["bob:c_a:pause-outbound", "alice:c_a:create-client"])
            #expect(try await actions("?admin_id=bob") == ["bob:c_a:pause-outbound"])
            let page = try await AdminTest.get(client, "/api/admin/actions?limit=2")
            #expect(page.data.count == 2)
            let rest = try await AdminTest.get(client, "/api/admin/actions?limit=2&cursor=\(try #require(page.nextCursor))")
            #expect(rest.data.count == 1 && rest.json["next_cursor"] is NSNull)
            let row = try #require(page.data.first)
            #expect(Set(row.keys) == ["id", "admin_id", "client_id", "action", "reason", "metadata", "created_at"])
        }
    }
}
