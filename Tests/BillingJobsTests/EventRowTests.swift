import BillingCore
import BillingJobs
import BillingPostgres
import BillingTestSupport
import Foundation
import StripeAPI
import StripeJSON
import Testing

/// The one insert of event rows (issue 17): webhook ingest, `ingest` and back-fill store a body alike,
/// with `livemode` as the body gives it — NULL when it has none.
@Suite struct EventRowTests {
    /// A `customer.subscription.updated` event (acted on, so back-fill lists it); `livemode` is left out when nil.
    static func body(_ id: String, created: Int64 = JobTest.t0, livemode: Bool?) -> String {
        let mode = livemode.map { #","livemode":\#($0)"# } ?? ""
        let sub = FakeStripe.subscription(id: "sub_r", customer: "cus_r", status: "active", periodEnd: JobTest.t0 + 86_400)
        return #"{"id":"\#(id)","object":"event","api_version":"2025-03-31.basil","created":\#(created)\#(mode),"type":"customer.subscription.updated","data":{"object":\#(sub)}}"#
    }

    static func webhookDelivery(_ body: String) throws -> IncomingEvent {
        IncomingEvent(envelope: try EventEnvelope(decoding: Array(body.utf8)), payload: body, source: .webhook)
    }

    /// Every column of the event's row but those that differ by nature between two inserts (the
    /// identity, the insert times) and by path (`source`, `delivery_count`), as JSON text.
    static func row(_ pool: PGPool, _ id: String) async throws -> (columns: String?, source: String?, deliveries: Int?) {
        let row = try await JobTest.rows(pool, """
            SELECT (to_jsonb(x) - 'id' - 'received_at' - 'next_attempt_at' - 'source' - 'delivery_count')::text AS j,
                   source, delivery_count
            FROM billing_events x WHERE stripe_event_id = '\(id)'
            """).first
        return (row?.string("j"), row?.string("source"), row?.int("delivery_count"))
    }

    /// The same body stored by webhook ingest and then, after its row is removed, by `ingest`: the
    /// same row, column for column, for `livemode` true, false and absent (NULL).
    @Test func webhookIngestAndImportStoreTheSameRow() async throws {
        try await JobTest.withPool { pool in
            for (n, livemode) in [true, false, nil].enumerated() {
                let id = "evt_same_\(n)"
                let text = Self.body(id, livemode: livemode)
                #expect(try await IngestWriter(pool: pool).store(try Self.webhookDelivery(text)) == .stored)
                let webhook = try await Self.row(pool, id)
                _ = try await JobTest.rows(pool, "DELETE FROM billing_events WHERE stripe_event_id = '\(id)' RETURNING 1")
                let report = try await EventImporter(pool: pool).ingest(Array(text.utf8), name: "one.json")
                #expect(report.new == 1)
                let imported = try await Self.row(pool, id)

                #expect(webhook.columns != nil)
                #expect(webhook.columns == imported.columns, "livemode \(String(describing: livemode))")
                #expect(webhook.source == "webhook" && webhook.deliveries == 1)
                #expect(imported.source == "import" && imported.deliveries == 0)
                let stored = try await JobTest.rows(pool, "SELECT livemode, body FROM billing_events WHERE stripe_event_id = '\(id)'").first
                #expect(stored?.bool("livemode") == livemode)
                #expect(stored?.string("body") == text)
            }
        }
    }

    /// An event without `livemode` reads back NULL through each path: webhook ingest, `ingest` (a
    /// list), back-fill; an event with it keeps its value.
    @Test func missingLivemodeIsStoredAsNullOnEveryPath() async throws {
        let fake = FakeStripe()
        let now = Int64(Date().timeIntervalSince1970)
        try await JobTest.withPool { pool in
            _ = try await IngestWriter(pool: pool).store(try Self.webhookDelivery(Self.body("evt_webhook", livemode: nil)))
            let list = #"{"object":"list","data":[\#(Self.body("evt_import", livemode: nil)),\#(Self.body("evt_live", livemode: true))]}"#
            #expect(try await EventImporter(pool: pool).ingest(Array(list.utf8), name: "list.json").new == 2)
            fake.addEvent(id: "evt_backfill", created: now - 60, type: "customer.subscription.updated",
                          json: Self.body("evt_backfill", created: now - 60, livemode: nil))
            let report = try await fake.serve { base in
                try await StripeClient.withCurlClient(
                    configuration: StripeConfiguration(apiKey: FakeStripe.key, apiBase: base), sleep: { _ in }) { client in
                    try await Reconciler(pool: pool, stripe: client, handler: BillingEventHandler(livemode: nil), now: { now })
                        .run(.init(backfillSince: now - 3_600))
                }
            }
            #expect(report.backfilled == 1)
            let rows = try await JobTest.rows(pool, """
                SELECT stripe_event_id, source, livemode IS NULL AS unknown, livemode FROM billing_events ORDER BY stripe_event_id
                """)
            #expect(rows.map { $0.string("stripe_event_id") } == ["evt_backfill", "evt_import", "evt_live", "evt_webhook"])
            #expect(rows.map { $0.string("source") } == ["backfill", "import", "import", "webhook"])
            #expect(rows.map { $0.bool("unknown") } == [true, true, false, true])
            #expect(rows[2].bool("livemode") == true)
        }
    }
}
