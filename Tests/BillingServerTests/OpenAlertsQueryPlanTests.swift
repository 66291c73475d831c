import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// Migration 0017: a client's open alerts are found without reading its acknowledged history.
/// `alert_logs` is append-only and never pruned, so the processor's acknowledgement of a client's
/// open PAYMENT_GATE alerts (each time its gate opens) and the client view's count of open alerts
/// must not cost more as the log grows.
@Suite struct OpenAlertsQueryPlanTests {
    @Test func openAlertsAreReadFromTheirIndex() async throws {
        try await JobTest.withPool { pool in
            // 20,000 acknowledged gate alerts of one client and 20,000 of 200 others, 5,000 open alerts
            // of 1,000 more clients, then one open gate alert and one open failure alert of that client:
            // neither its history nor every client's open alerts is a short read.
            _ = try await JobTest.rows(pool, """
                WITH c AS (INSERT INTO clients (id, business_name) VALUES ('clt_alerts', 'Alerts Co') RETURNING id),
                     a AS (INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message, acknowledged_at, acknowledged_by, resolution)
                           SELECT 'PAYMENT_GATE', 'payment_gate:' || cl, 'CRITICAL', cl, 'gate closed', now(), 'system', 'evt_paid'
                           FROM generate_series(1, 40000) g,
                                LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 'clt_alerts' ELSE 'clt_other_' || g % 200 END AS cl) x
                           RETURNING 1)
                SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM a) AS n
                """)
            _ = try await JobTest.rows(pool, """
                INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message)
                SELECT 'PAYMENT_GATE', 'payment_gate:clt_open_' || g % 1000, 'CRITICAL', 'clt_open_' || g % 1000, 'gate closed'
                FROM generate_series(1, 5000) g
                RETURNING id
                """)
            _ = try await JobTest.rows(pool, """
                INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message)
                VALUES ('PAYMENT_GATE', 'payment_gate:clt_alerts', 'CRITICAL', 'clt_alerts', 'gate closed'),
                       ('EVENT_PROCESSING_FAILED', 'event_failed:evt_x', 'WARNING', 'clt_alerts', 'failed')
                RETURNING id
                """)
            let (plans, acknowledged, view) = try await pool.withConnection { s in
                try s.execute(script: "ANALYZE alert_logs")
                // Prepare the statement (a client without open alerts: nothing changes), then EXPLAIN it.
                let none = try AlertLogStore.acknowledgeGateAlerts(GateAlertAcknowledgement(clientId: "clt_none", resolution: "evt_none"), in: s)
                #expect(none == 0)
                let plans = try [
                    "EXPLAIN EXECUTE ack_gate_alerts('{clt_alerts}', '{system}', '{evt_paid}')",
                    "EXPLAIN SELECT count(*) FROM alert_logs a WHERE a.client_id = 'clt_alerts' AND a.acknowledged_at IS NULL",
                ].map { sql in
                    (sql, try JobTest.plan(sql, in: s))
                }
                let acknowledged = try AlertLogStore.acknowledgeGateAlerts(
                    GateAlertAcknowledgement(clientId: "clt_alerts", resolution: "evt_paid"), in: s)
                return (plans, acknowledged, try ClientViewStore.view(clientId: "clt_alerts", in: s))
            }
            for (sql, plan) in plans {
                #expect(plan.contains("alert_logs_open_client_idx"), "\(sql) does not use the open-alert index:\n\(plan)")
            }
            // Only the open gate alert was acknowledged; the failure alert stays open.
            #expect(acknowledged == 1)
            let object = try JSONSerialization.jsonObject(with: Data(try #require(view).utf8)) as? [String: Any]
            #expect(object?["open_alert_count"] as? Int == 1)
            let open = try await JobTest.rows(pool, "SELECT alert_type FROM alert_logs WHERE acknowledged_at IS NULL AND client_id = 'clt_alerts'")
            #expect(open.compactMap { $0.string("alert_type") } == ["EVENT_PROCESSING_FAILED"])
        }
    }
}
