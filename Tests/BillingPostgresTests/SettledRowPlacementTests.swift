@testable import BillingPostgres
import BillingTestSupport
import Testing

/// Migration 0018: `billing_events` pages keep room for each row's settled version, so settling an
/// event rewrites its row on the page that holds it instead of dirtying a second page.
@Suite struct SettledRowPlacementTests {
    @Test func settledVersionsStayOnTheirRowsPages() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let rows = try (0..<300).map { try EventInsertTests.row("evt_\($0)", deliveries: 1, customer: "cus_\($0 % 16)") }
            _ = try await pool.withConnection { s in try EventLogStore.insert(rows, in: s) }
            let before = try await Self.pages(pool)
            #expect(before.count == 300)
            #expect(Set(before.values).count > 5, "the rows fill several pages: \(Set(before.values).count)")

            let handler = RecentBodiesTests.Recording()
            var settled = 0
            while true {
                let report = try await pool.withConnection { s in try EventQueue().processBatch(handler: handler, in: s, now: 0, clock: { 0 }) }
                if report.claimed == 0 { break }
                settled += report.claimed
            }
            #expect(settled == 300)
            let statuses = try await pool.withConnection { s in
                try s.query("SELECT status, count(*) AS n FROM billing_events GROUP BY status").rows.map { "\($0.string("status") ?? "")=\($0.int("n") ?? 0)" }
            }
            #expect(statuses == ["processed=300"])

            let after = try await Self.pages(pool)
            let stayed = before.filter { after[$0.key] == $0.value }.count
            // With full pages (fillfactor 100) only rows of the last, part-filled page can stay.
            #expect(stayed * 10 >= before.count * 8, "\(stayed) of \(before.count) settled versions stayed on their page")
            await pool.shutdown()
        }
    }

    /// The heap page of each event's current version, by event id.
    static func pages(_ pool: PGPool) async throws -> [String: Int] {
        try await pool.withConnection { s in
            var pages: [String: Int] = [:]
            for r in try s.query("SELECT stripe_event_id, (ctid::text::point)[0]::int AS page FROM billing_events").rows {
                pages[r.string("stripe_event_id") ?? ""] = r.int("page")
            }
            return pages
        }
    }
}
