import BillingCore
import BillingJobs
import BillingPostgres
import BillingTestSupport
import Foundation
import StripeJSON
import Testing

/// `billing-worker ingest FILE|-`: exported events stored with source `import`, audited as `importer`.
@Suite struct IngestTests {
    static func event(_ id: String, created: Int64 = JobTest.t0) -> String {
        #"{"id":"\#(id)","object":"event","api_version":"2025-03-31.basil","created":\#(created),"livemode":false,"type":"invoice.created","data":{"object":{"id":"in_\#(id)","object":"invoice","customer":"cus_9","amount_paid":1.5e1}}}"#
    }

    /// A list with a duplicate inside the file, an event already stored by the webhook, a thin
    /// event and an entry without an id: the counts, the exit status, the stored rows and the one
    /// audit row.
    @Test func listWithDuplicatesAndInvalidEntries() async throws {
        try await JobTest.withPool { pool in
            _ = try await IngestWriter(pool: pool).store(IncomingEvent(
                envelope: try EventEnvelope(decoding: Array(Self.event("evt_known").utf8)), payload: Self.event("evt_known"),
                source: .webhook))
            let thin = #"{"id":"evt_thin","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2025-06-02T09:15:07Z"}"#
            let noId = #"{"object":"event","type":"invoice.paid","created":1750000000}"#
            let file = """
                {"object":"list","has_more":false,"url":"/v1/events","data":[
                  \(Self.event("evt_a")), \(Self.event("evt_known")), \(thin), \(Self.event("evt_b")), \(Self.event("evt_a")), \(noId)
                ]}
                """
            let importer = EventImporter(pool: pool)
            let report = try await importer.ingest(Array(file.utf8), name: "export-june.json")
            #expect(report.entries == 6)
            #expect(report.new == 2)
            #expect(report.duplicate == 2)
            #expect(report.invalid.map(\.index) == [2, 5])
            #expect(report.invalid[0].reason.contains("thin events"))
            #expect(report.invalid[1].reason.contains("id"))
            #expect(report.exitCode == 1)
            let text = report.render()
            #expect(text.contains("invalid entry 2:"))
            #expect(text.contains("2 new, 2 duplicate, 2 invalid"))

            let stored = try await JobTest.rows(pool, """
                SELECT stripe_event_id, source, delivery_count, status, body = '\(Self.event("evt_a"))' AS same
                FROM billing_events ORDER BY stripe_event_id
                """)
            #expect(stored.map { $0.string("stripe_event_id") } == ["evt_a", "evt_b", "evt_known"])
            #expect(stored.map { $0.string("source") } == ["import", "import", "webhook"])
            #expect(stored.map { $0.int("delivery_count") } == [0, 0, 1])
            #expect(stored.map { $0.string("status") } == ["received", "received", "received"])
            #expect(stored.first?.bool("same") == true)

            let audit = try await JobTest.rows(pool, "SELECT id, admin_id, client_id, action, reason, metadata::text AS m FROM admin_actions")
            #expect(audit.count == 1)
            let row = try #require(audit.first)
            #expect(row.string("admin_id") == "importer")
            #expect(row.string("action") == "ingest")
            #expect(row.string("client_id") == nil)
            #expect(row.string("reason")?.contains("export-june.json") == true)
            #expect(row.int64("id") == report.auditId)
            let metadata = try #require(try JSONSerialization.jsonObject(with: Data((row.string("m") ?? "").utf8)) as? [String: Any])
            #expect(metadata["new"] as? Int == 2)
            #expect(metadata["duplicate"] as? Int == 2)
            #expect(metadata["invalid"] as? Int == 2)

            // The same file again: nothing new, nothing changed, one more audit row (one per run).
            let before = try await JobTest.rows(pool, "SELECT to_jsonb(x)::text AS j FROM billing_events x ORDER BY id").map { $0.string("j") }
            let again = try await importer.ingest(Array(file.utf8), name: "export-june.json")
            #expect(again.new == 0 && again.duplicate == 4 && again.invalid.count == 2)
            #expect(try await JobTest.rows(pool, "SELECT to_jsonb(x)::text AS j FROM billing_events x ORDER BY id").map { $0.string("j") } == before)
            #expect(try await JobTest.rows(pool, "SELECT id FROM admin_actions").count == 2)
        }
    }

    /// A single event (not a list) is one entry; a valid run exits 0.
    @Test func aSingleEventFromStdinIsOneNewEntryAndExitsZero() async throws {
        try await JobTest.withPool { pool in
            let report = try await EventImporter(pool: pool).ingest(Array(Self.event("evt_one").utf8), name: "-")
            #expect(report.entries == 1 && report.new == 1 && report.invalid.isEmpty)
            #expect(report.exitCode == 0)
            #expect(report.source == "stdin")
        }
    }

    /// Input that is not JSON, or a list without `data`, is one invalid entry (index 0) and exit 1 —
    /// still audited.
    @Test func unusableInput() async throws {
        try await JobTest.withPool { pool in
            let garbage = try await EventImporter(pool: pool).ingest(Array("not json".utf8), name: "x.json")
            #expect(garbage.invalid.map(\.index) == [0])
            #expect(garbage.exitCode == 1)
            let noData = try await EventImporter(pool: pool).ingest(Array(#"{"object":"list"}"#.utf8), name: "y.json")
            #expect(noData.invalid.first?.reason.contains("data") == true)
            #expect(try await JobTest.rows(pool, "SELECT id FROM admin_actions WHERE admin_id = 'importer'").count == 2)
        }
    }

    /// Large inputs report progress; the repository's export fixture stores every event.
    @Test func largeInputReportsProgressAndTheExportFixtureStoresEveryEvent() async throws {
        try await JobTest.withPool { pool in
            let url = BillingTestSupportPaths.fixture("stripe/export-list.json")
            let data = Array(try Data(contentsOf: url))
            let lines = LinesSink()
            let report = try await EventImporter(pool: pool, progress: lines.sink, progressEvery: 2).ingest(data, name: url.lastPathComponent)
            #expect(report.invalid.isEmpty)
            #expect(report.new == report.entries && report.entries > 2)
            #expect(!lines.all.isEmpty)
            #expect(lines.all.allSatisfy { $0.hasPrefix("ingest: ") })
        }
    }
}
