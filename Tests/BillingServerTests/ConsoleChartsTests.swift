import BillingCore
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import Testing

/// The console's charts (issue 18): server-rendered SVG with a text alternative and axis labels, from the
/// hourly counters, the waiting events and the status history; the client page's timeline in order.
@Suite struct ConsoleChartsTests {
    /// The overview draws events per hour and gate changes per day from their tables, and shows the queue,
    /// its lag and the unmatched events.
    @Test func overviewChartsShowTheSeededData() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_chart", status: .active)
            _ = try await TestApp.rows(pool, """
                INSERT INTO billing_event_hourly (hour, received, processed, failed) VALUES
                  (date_trunc('hour', now()), 42, 40, 2), (date_trunc('hour', now()) - interval '3 hours', 7, 7, 0),
                  (date_trunc('hour', now()) - interval '30 hours', 999, 999, 0)
                RETURNING hour
                """)
            _ = try await TestApp.rows(pool, """
                INSERT INTO billing_status_history (client_id, from_status, to_status, from_source, to_source, cause, stripe_event_id, changed_at)
                VALUES ('c_chart', 'ACTIVE', 'PAST_DUE', 'STRIPE', 'STRIPE', 'event', 'evt_f1', now() - interval '2 days'),
                       ('c_chart', 'PAST_DUE', 'UNPAID', 'STRIPE', 'STRIPE', 'event', 'evt_f2', now() - interval '2 days'),
                       ('c_chart', 'UNPAID', 'ACTIVE', 'STRIPE', 'STRIPE', 'event', 'evt_p1', now() - interval '1 day')
                RETURNING id
                """)
            try await AdminTest.insertEvent(pool, id: "evt_wait", type: "invoice.paid", status: "received", clientId: nil)
            try await AdminTest.insertEvent(pool, id: "evt_orphan", type: "invoice.paid", status: "unmatched", clientId: nil)
            _ = try await TestApp.rows(pool, """
                UPDATE billing_events SET received_at = now() - interval '2 hours' WHERE stripe_event_id = 'evt_orphan' RETURNING id
                """)
            let alice = try await ConsoleTest.signIn(client)
            let page = try await ConsoleTest.get(client, "/console", cookie: alice.cookieHeader)
            #expect(page.status == 200)
            let html = page.html
            #expect(html.contains(#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-events" role="img""#))
            #expect(html.contains(#"<title id="chart-events-title">Events per hour, last 24 hours</title>"#))
            #expect(html.contains("49 events received and 2 failed in the last 24 hours"))  // the 30-hour-old bucket is out
            #expect(html.contains(">events per hour</text>") && html.contains(">hour starting (UTC)</text>"))
            #expect(html.contains(": 42 received</title>") && html.contains(": 2 failed</title>"))
            #expect(html.contains("<td>42</td><td>40</td><td>2</td>"))
            #expect(html.contains("1 closings and 1 reopenings in the last 30 days"))
            #expect(html.contains(">changes per day</text>") && html.contains(">day (UTC)</text>"))
            #expect(html.components(separatedBy: #"<rect class="bar""#).count - 1 == 24 * 3 + 30 * 2)
            #expect(html.contains(#"id="queue-depth">1</span>"#))
            #expect(html.contains(#"id="unmatched-count">1</span>"#))
            #expect(html.contains(#"id="unmatched-age">2 h 0 min</span>"#))
            #expect(!html.contains("<script"))
        }
    }

    /// The client page's timeline has one band per stretch of status, in time order, markers for the admin
    /// action and the alert, and the history table beside it, newest first.
    @Test func clientTimelineShowsTheStatusesInOrder() async throws {
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "c_time", status: .pastDue)
            _ = try await TestApp.rows(pool, """
                UPDATE clients SET created_at = now() - interval '10 days' WHERE id = 'c_time' RETURNING id
                """)
            _ = try await TestApp.rows(pool, """
                INSERT INTO billing_status_history (client_id, from_status, to_status, from_source, to_source, cause, stripe_event_id, changed_at)
                VALUES ('c_time', 'PENDING', 'TRIALING', 'NONE', 'STRIPE', 'event', 'evt_t1', now() - interval '9 days'),
                       ('c_time', 'TRIALING', 'PAST_DUE', 'STRIPE', 'STRIPE', 'event', 'evt_t2', now() - interval '5 days')
                RETURNING id
                """)
            _ = try await AdminTest.insertAlert(pool, clientId: "c_time")
            #expect(try await AdminTest.post(client, "/api/admin/clients/c_time/confirm-payment").status == 200)
            let alice = try await ConsoleTest.signIn(client)
            let html = try await ConsoleTest.get(client, "/console/clients/c_time", cookie: alice.cookieHeader).html
            let statuses = html.components(separatedBy: #"class="band""#).dropFirst().compactMap { band -> String? in
                guard let start = band.range(of: #"data-status=""#) else { return nil }
                return String(band[start.upperBound...].prefix { $0 != "\"" })
            }
            #expect(statuses == ["PENDING", "TRIALING", "PAST_DUE", "ACTIVE"])
            #expect(html.contains(#"<title id="status-timeline-title">Status over time</title>"#))
            #expect(html.contains(#"class="marker marker-admin""#) && html.contains(#"class="marker marker-alert""#))
            #expect(html.contains(">time (UTC); each band starts at the time below it</text>"))
            let rows = html.components(separatedBy: #"<tr class="history-row">"#).dropFirst().map { String($0.prefix(200)) }
            #expect(rows.count == 3)
            #expect(rows.first?.contains("PAST_DUE → ACTIVE") == true && rows.first?.contains("confirm-payment by alice") == true)
            #expect(rows.last?.contains("PENDING → TRIALING") == true && rows.last?.contains("Stripe event evt_t1") == true)
        }
    }

    /// Counts gathered in memory are added to their hour's row; a second flush adds only what came since.
    @Test func hourlyCountsAreAddedToTheirHour() async throws {
        try await JobTest.withPool { pool in
            let clock = Mutex<Int64>(1_760_000_000)
            let counts = HourlyEventCounts(clock: { clock.withLock { $0 } })
            for _ in 0..<3 { counts.received() }
            counts.processed(2)
            counts.failed()
            try await counts.flush(to: pool)
            try await counts.flush(to: pool)
            clock.withLock { $0 += 3600 }
            counts.received()
            try await counts.flush(to: pool)
            let rows = try await JobTest.rows(pool, """
                SELECT extract(epoch FROM hour)::bigint AS hour, received, processed, failed FROM billing_event_hourly ORDER BY hour
                """).map { "\($0.int64("hour") ?? 0) \($0.int("received") ?? -1)/\($0.int("processed") ?? -1)/\($0.int("failed") ?? -1)" }
            #expect(rows == ["1759996800 3/2/1", "1760000400 1/0/0"])
        }
    }
}

import Synchronization
