import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// Issue 18: the queries behind the overview's charts and counts use indexes, so the overview stays fast
/// with a large log. 200,000 settled events (and two years of status history and of hourly counts) are enough for PostgreSQL to
/// prefer an index wherever one serves; each statement is EXPLAINed as prepared by its store.
@Suite struct OverviewQueryPlanTests {
    @Test func overviewQueriesReadIndexesNotTheLog() async throws {
        try await JobTest.withPool { pool in
            _ = try await JobTest.rows(pool, """
                WITH c AS (INSERT INTO clients (id, business_name) VALUES ('clt_plan', 'Plan Co') RETURNING id),
                     e AS (INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, received_at, status, outcome, attempts, processed_at)
                           SELECT 'evt_bulk_' || g, 'invoice.paid', now() - g * interval '10 seconds', now() - g * interval '10 seconds',
                                  'processed', 'applied', 1, now() - g * interval '10 seconds'
                           FROM generate_series(1, 200000) g RETURNING 1),
                     w AS (INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, status, attempts)
                           SELECT 'evt_wait_' || g, 'invoice.paid', now(), (ARRAY['received', 'retry', 'unmatched', 'failed'])[1 + g % 4], 0
                           FROM generate_series(1, 12) g RETURNING 1)
                SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM w) AS n
                """)
            _ = try await JobTest.rows(pool, """
                INSERT INTO billing_status_history (client_id, from_status, to_status, from_source, to_source, cause, admin_id, admin_action, changed_at)
                SELECT 'clt_plan', 'ACTIVE', 'PAST_DUE', 'STRIPE', 'STRIPE', 'admin', 'alice', 'waive', now() - g * interval '3 hours'
                FROM generate_series(1, 5840) g RETURNING id
                """)
            _ = try await JobTest.rows(pool, """
                INSERT INTO billing_event_hourly (hour, received, processed, failed)
                SELECT date_trunc('hour', now()) - g * interval '1 hour', 100, 100, 0 FROM generate_series(0, 17519) g RETURNING hour
                """)
            let plans = try await pool.withConnection { s in
                try s.execute(script: "ANALYZE billing_events; ANALYZE billing_status_history; ANALYZE billing_event_hourly")
                let now = Int64(Date().timeIntervalSince1970)
                // Run each store once (it prepares its statement), then EXPLAIN that prepared statement.
                _ = try EventQueue.waitingCounts(in: s)
                _ = try EventQueue.oldestWaiting(statuses: ["received", "retry"], in: s)
                _ = try StatusHistoryStore.gateChangesPerDay(since: now - 30 * 86_400, in: s)
                _ = try EventHourlyStore.hours(since: now - 86_400, in: s)
                return try [
                    "EXPLAIN EXECUTE waiting_counts",
                    "EXPLAIN EXECUTE oldest_waiting('{received,retry}')",
                    "EXPLAIN EXECUTE oldest_waiting('{unmatched}')",
                    "EXPLAIN EXECUTE gate_changes_per_day(\(now - 30 * 86_400))",
                    "EXPLAIN EXECUTE event_hourly_since(\(now - 86_400))",
                ].map { sql in
                    (sql, try JobTest.plan(sql, in: s))
                }
            }
            for (sql, plan) in plans {
                print("\(sql):\n\(plan)\n")
                #expect(!plan.contains("Seq Scan on billing_events"), "\(sql) scans the log:\n\(plan)")
                #expect(!plan.contains("Seq Scan on billing_status_history"), "\(sql) scans the history:\n\(plan)")
                #expect(plan.contains("Index"), "\(sql) uses no index:\n\(plan)")
            }
        }
    }
}
