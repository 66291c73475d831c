import BillingCore
import BillingPostgres
@testable import BillingServer
import BillingTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// `POST /webhooks/stripe` against a real PostgreSQL (SPEC §4).
@Suite struct WebhookTests {
    /// A verified event is stored once, answered `duplicate:false`, with its envelope columns.
    @Test func storesVerifiedEvent() async throws {
        try await TestApp.withApp { client, pool in
            let body = TestApp.eventBody(id: "evt_store_1", type: "invoice.paid",
                                         object: #"{"id":"in_9","object":"invoice","customer":"cus_9","parent":{"subscription_details":{"subscription":"sub_9"}}}"#)
            let (status, json) = try await TestApp.deliver(client, body)
            #expect(status == 200)
            #expect(json["received"] as? Bool == true && json["duplicate"] as? Bool == false)
            let row = try #require(try await TestApp.rows(pool, """
                SELECT type, status, source, delivery_count, livemode, api_version, stripe_object_id, stripe_customer_id,
                       stripe_subscription_id, extract(epoch FROM stripe_created_at)::bigint AS created, body::jsonb->>'id' AS pid,
                       body, payload IS NULL AS no_jsonb
                FROM billing_events WHERE stripe_event_id = 'evt_store_1'
                """).first)
            #expect(row.string("type") == "invoice.paid")
            #expect(row.string("status") == "received")
            #expect(row.string("source") == "webhook")
            #expect(row.int("delivery_count") == 1)
            #expect(row.bool("livemode") == false)
            #expect(row.string("api_version") == "2025-03-31.basil")
            #expect(row.string("stripe_object_id") == "in_9")
            #expect(row.string("stripe_customer_id") == "cus_9")
            #expect(row.string("stripe_subscription_id") == "sub_9")
            #expect(row.int64("created") == 1_750_000_000)
            #expect(row.string("pid") == "evt_store_1")
            // Stored exactly as received (SPEC §3), not as jsonb.
            #expect(row.string("body") == String(decoding: body, as: UTF8.self) && row.bool("no_jsonb") == true)
        }
    }

    /// A header is read as `HTTPFields` gives it: as sent when sent once (its name in any case),
    /// joined with ", " when sent several times, absent as nil.
    @Test func headerValuesAreReadAsHTTPFieldsGivesThem() throws {
        let name = WebhookController.signatureHeader
        var fields: HTTPFields = [.contentType: "application/json"]
        #expect(WebhookController.value(of: name, in: fields) == nil)
        fields.append(HTTPField(name: try #require(HTTPField.Name("stripe-SIGNATURE")), value: "t=1,v1=a"))
        #expect(WebhookController.value(of: name, in: fields) == "t=1,v1=a")
        fields.append(HTTPField(name: name, value: "v1=b"))
        #expect(WebhookController.value(of: name, in: fields) == "t=1,v1=a, v1=b")
        #expect(WebhookController.value(of: name, in: fields) == fields[name])
    }

    /// A repeated delivery answers `duplicate:true` and increments `delivery_count`.
    @Test func repeatedDeliveryIsDuplicate() async throws {
        try await TestApp.withApp { client, pool in
            let body = TestApp.eventBody(id: "evt_dup_1")
            let first = try await TestApp.deliver(client, body)
            let second = try await TestApp.deliver(client, body)
            #expect(first.0 == 200 && first.1["duplicate"] as? Bool == false)
            #expect(second.0 == 200 && second.1["duplicate"] as? Bool == true)
            let rows = try await TestApp.rows(pool, "SELECT delivery_count FROM billing_events")
            #expect(rows.count == 1)
            #expect(rows.first?.int("delivery_count") == 2)
        }
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        let name: String
        let code: String
        let body: [UInt8]
        let header: String?
        var testDescription: String { name }
    }

    static let now = Int64(Date().timeIntervalSince1970)
    static let good = TestApp.eventBody(id: "evt_rejected")
    static let rejections: [Rejection] = [
        .init(name: "no header", code: "missing_signature", body: good, header: nil),
        .init(name: "no v1", code: "malformed_signature", body: good, header: "t=\(now)"),
        .init(name: "bad t", code: "malformed_signature", body: good, header: "t=abc,v1=00"),
        .init(name: "other secret", code: "signature_mismatch", body: good,
              header: WebhookSigner.header(secret: "whsec_other", payload: good, timestamp: now)),
        .init(name: "stale", code: "timestamp_outside_tolerance", body: good,
              header: WebhookSigner.header(secret: TestApp.secret, payload: good, timestamp: now - 301)),
        .init(name: "not an event", code: "invalid_payload", body: Array(#"{"id":"x","object":"charge","type":"t"}"#.utf8),
              header: WebhookSigner.header(secret: TestApp.secret, payload: Array(#"{"id":"x","object":"charge","type":"t"}"#.utf8), timestamp: now)),
        .init(name: "thin event", code: "invalid_payload", body: Array(#"{"id":"evt_thin","object":"v2.core.event","type":"v1.x","created":"2025-01-01T00:00:00Z"}"#.utf8),
              header: WebhookSigner.header(secret: TestApp.secret, payload: Array(#"{"id":"evt_thin","object":"v2.core.event","type":"v1.x","created":"2025-01-01T00:00:00Z"}"#.utf8), timestamp: now)),
        .init(name: "not JSON", code: "invalid_payload", body: Array("hello".utf8),
              header: WebhookSigner.header(secret: TestApp.secret, payload: Array("hello".utf8), timestamp: now)),
    ]

    /// Every rejection answers 400 with its SPEC code, and nothing is stored.
    @Test(arguments: rejections) func rejectsWithCode(_ r: Rejection) async throws {
        try await TestApp.withApp { client, pool in
            var headers: HTTPFields = [.contentType: "application/json"]
            if let h = r.header { headers[HTTPField.Name("Stripe-Signature")!] = h }
            let (status, json) = try await TestApp.deliver(client, r.body, headers: headers)
            #expect(status == 400)
            let error = json["error"] as? [String: Any]
            #expect(error?["code"] as? String == r.code)
            #expect((error?["message"] as? String)?.isEmpty == false)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events") == 0)
        }
    }

    /// The thin-event refusal says thin events are not supported.
    @Test func thinEventMessage() async throws {
        try await TestApp.withApp { client, _ in
            let body = Array(#"{"id":"evt_thin","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2025-01-01T00:00:00Z"}"#.utf8)
            let (_, json) = try await TestApp.deliver(client, body)
            let message = (json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.lowercased().contains("thin"))
        }
    }

    /// A body above `BILLING_MAX_BODY_BYTES` answers 413 `payload_too_large`, nothing stored.
    @Test func oversizedBodyIs413() async throws {
        try await TestApp.withApp(configure: { $0.maxBodyBytes = 2048 }) { client, pool in
            let padding = String(repeating: "x", count: 4000)
            let body = TestApp.eventBody(id: "evt_big", object: #"{"id":"in_1","object":"invoice","description":"\#(padding)"}"#)
            let (status, json) = try await TestApp.deliver(client, body)
            #expect(status == 413)
            #expect((json["error"] as? [String: Any])?["code"] as? String == "payload_too_large")
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events") == 0)
        }
    }

    /// 20 concurrent deliveries of one event: one row, `delivery_count` 20, exactly one `duplicate:false`.
    @Test func concurrentDeliveriesOfOneEvent() async throws {
        try await TestApp.withApp { client, pool in
            let body = TestApp.eventBody(id: "evt_concurrent")
            let answers = try await withThrowingTaskGroup(of: (Int, Bool?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let (status, json) = try await TestApp.deliver(client, body)
                        return (status, json["duplicate"] as? Bool)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 20)
            #expect(answers.allSatisfy { $0.0 == 200 })
            #expect(answers.filter { $0.1 == false }.count == 1)
            #expect(answers.filter { $0.1 == true }.count == 19)
            let rows = try await TestApp.rows(pool, "SELECT delivery_count FROM billing_events")
            #expect(rows.count == 1)
            #expect(rows.first?.int("delivery_count") == 20)
        }
    }

    /// 2,000 distinct events at concurrency 32: 2,000 rows, every one processed exactly once.
    @Test func twoThousandEventsAtConcurrency32() async throws {
        let handler = CountingHandler()
        try await TestApp.withApp(handler: handler, processor: true) { client, pool in
            let total = 2000, concurrency = 32
            let next = Ticket()
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var seen: [Int] = []
                        while true {
                            let i = next.take()
                            if i >= total { return seen }
                            let body = TestApp.eventBody(id: "evt_bulk_\(i)", created: 1_750_000_000 + Int64(i % 500))
                            seen.append(try await TestApp.deliver(client, body).0)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == total)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events") == total)
            let done = try await TestApp.eventually(seconds: 60) {
                try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'processed'") == total
            }
            #expect(done)
            let calls = handler.calls.withLock { $0 }
            #expect(calls.count == total)
            #expect(calls.values.allSatisfy { $0 == 1 })
        }
    }

    /// Database unreachable → 503 `unavailable` and nothing stored; back → 200 without a restart.
    @Test func databaseDownAnswers503ThenRecovers() async throws {
        try await TestDatabase.withFresh { url in
            let target = UInt16(URLComponents(string: url)?.port ?? 5432)
            let proxy = try TCPProxy(targetPort: target)
            var settings = TestApp.settings(url: proxy.url(through: url))
            settings.maxBodyBytes = 1 << 20
            let pool = PGPool(url: settings.databaseURL, size: 4)
            let direct = PGPool(url: url, size: 1)
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let app = buildApplication(BillingApplicationParts(settings: settings, pool: pool, handler: CountingHandler(), logger: logger),
                                       runProcessor: false)
            try await app.test(.router) { client in
                let before = try await TestApp.deliver(client, TestApp.eventBody(id: "evt_before"))
                #expect(before.0 == 200)
                proxy.cut()
                let during = try await TestApp.deliver(client, TestApp.eventBody(id: "evt_during"))
                #expect(during.0 == 503)
                #expect((during.1["error"] as? [String: Any])?["code"] as? String == "unavailable")
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
                #expect(try await TestApp.count(direct, "SELECT count(*) FROM billing_events WHERE stripe_event_id = 'evt_during'") == 0)
                try proxy.restore()
                let after = try await TestApp.deliver(client, TestApp.eventBody(id: "evt_after"))
                #expect(after.0 == 200)
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            }
            #expect(try await TestApp.count(direct, "SELECT count(*) FROM billing_events") == 2)
            await pool.shutdown()
            await direct.shutdown()
        }
    }

    /// Log lines carry ids and outcomes, never the secret, the signature or the payload — with the
    /// processor having handled the event, so its log lines are among those checked.
    @Test func logsHoldNoSecretOrPayload() async throws {
        let logs = LogCapture()
        let handler = CountingHandler()
        try await TestApp.withApp(handler: handler, processor: true, logs: logs) { client, pool in
            let body = TestApp.eventBody(id: "evt_logged", object: #"{"id":"in_1","object":"invoice","customer":"cus_1","description":"PRIVATE-PAYLOAD-TEXT"}"#)
            let headers = TestApp.signedHeaders(body)
            #expect(try await TestApp.deliver(client, body, headers: headers).0 == 200)
            let forged = try await TestApp.deliver(client, TestApp.eventBody(id: "evt_bad"), headers: [HTTPField.Name("Stripe-Signature")!: "t=1,v1=deadbeef"])
            #expect(forged.0 == 400)
            let processed = try await TestApp.eventually {
                try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE status = 'processed'") == 1
            }
            #expect(processed, "the processor never processed the event")
        }
        #expect(handler.calls.withLock { $0["evt_logged"] } == 1, "the processor never ran the handler")
        let all = logs.all.joined(separator: "\n")
        #expect(all.contains("evt_logged"))
        #expect(!all.contains(TestApp.secret))
        #expect(!all.contains("PRIVATE-PAYLOAD-TEXT"))
        #expect(!all.contains("deadbeef"))
    }
}

/// Group commit under a database failure: an answer of 200 always means a committed row.
@Suite struct GroupCommitDurabilityTests {
    /// Deliveries keep flowing while the database connection is cut mid-batch and restored:
    /// every event answered 200 is stored, the others were answered 503, none is lost silently.
    @Test func noSuccessWithoutCommit() async throws {
        try await TestDatabase.withFresh { url in
            let target = UInt16(URLComponents(string: url)?.port ?? 5432)
            let proxy = try TCPProxy(targetPort: target)
            let settings = TestApp.settings(url: proxy.url(through: url))
            let pool = PGPool(url: settings.databaseURL, size: 8)
            let direct = PGPool(url: url, size: 1)
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let app = buildApplication(BillingApplicationParts(settings: settings, pool: pool, handler: CountingHandler(), logger: logger),
                                       runProcessor: false)
            let answers = LockedList<(String, Int)>()
            try await app.test(.router) { client in
                let ticket = Ticket()
                let start = Date()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // On a loaded machine (the parallel suite) these tasks may not run for a second at a
                    // time, so the cut and the traffic both go on until the cut has met a delivery (a
                    // 503) and a delivery has been stored (a 200), or 20 s have passed.
                    let sawBoth: @Sendable () -> Bool = { answers.all.contains { $0.1 == 200 } && answers.all.contains { $0.1 == 503 } }
                    for _ in 0..<16 {
                        group.addTask {
                            // 2.5 s of traffic around the cut, then on as said above.
                            while Date().timeIntervalSince(start) < 2.5 || (!sawBoth() && Date().timeIntervalSince(start) < 20) {
                                let id = "evt_gc_\(ticket.take())"
                                let status = try await TestApp.deliver(client, TestApp.eventBody(id: id)).0
                                answers.append((id, status))
                            }
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(400))
                        proxy.cut()
                        try await Task.sleep(for: .milliseconds(800))
                        while !answers.all.contains(where: { $0.1 == 503 }), Date().timeIntervalSince(start) < 20 {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        try proxy.restore()
                    }
                    try await group.waitForAll()
                }
            }
            let all = answers.all
            let ok = all.filter { $0.1 == 200 }.map(\.0)
            let unavailable = all.filter { $0.1 == 503 }.map(\.0)
            #expect(ok.count + unavailable.count == all.count, "only 200 or 503")
            #expect(!ok.isEmpty)
            #expect(!unavailable.isEmpty, "the cut happened while deliveries were in flight")
            let stored = Set(try await TestApp.rows(direct, "SELECT stripe_event_id FROM billing_events").compactMap { $0.string("stripe_event_id") })
            let lost = ok.filter { !stored.contains($0) }
            #expect(lost.isEmpty, "answered 200 but not committed: \(lost.prefix(5))")
            await pool.shutdown()
            await direct.shutdown()
        }
    }
}

/// A worker settling an event holds its row lock until its batch commits; ingest must not wait for it.
@Suite struct IngestDuringProcessingTests {
    /// While another transaction holds the row locks of two stored events (as the processor does while it settles
    /// them) and both are being redelivered: a new event is still answered at once; the redeliveries are answered
    /// once the locks are gone, with their deliveries counted.
    @Test func newEventsDoNotWaitForTheProcessorsLock() async throws {
        try await TestApp.withApp { client, pool in
            for id in ["evt_busy_1", "evt_busy_2"] {
                #expect(try await TestApp.deliver(client, TestApp.eventBody(id: id)).0 == 200)
            }
            let holder = try await PGConnection.connect(pool.url)
            _ = try await holder.withSession { s in
                try s.execute(script: "BEGIN; SELECT id FROM billing_events WHERE stripe_event_id LIKE 'evt_busy_%' FOR UPDATE")
            }
            // Both redeliveries wait for the lock (one flush each, as many as the writer runs at once).
            let redeliveries = ["evt_busy_1", "evt_busy_2"].map { id in
                Task { () async throws -> (Int, Bool?) in
                    let (status, body) = try await TestApp.deliver(client, TestApp.eventBody(id: id))
                    return (status, body["duplicate"] as? Bool)
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let answered = Mutex<Bool?>(nil)
            let fresh = Task {
                let (status, body) = try await TestApp.deliver(client, TestApp.eventBody(id: "evt_fresh"))
                answered.withLock { $0 = status == 200 && body["duplicate"] as? Bool == false }
            }
            _ = try await TestApp.eventually(seconds: 3) { answered.withLock { $0 } != nil }
            #expect(answered.withLock { $0 } == true, "a new event was not answered within 3 s while other events' rows were locked")
            #expect(try await TestApp.count(pool, "SELECT sum(delivery_count)::int AS count FROM billing_events WHERE stripe_event_id LIKE 'evt_busy_%'") == 2)
            // Held past the counters' half second of tries: they end up waiting for the locks themselves.
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await TestApp.count(pool, "SELECT sum(delivery_count)::int AS count FROM billing_events WHERE stripe_event_id LIKE 'evt_busy_%'") == 2)
            _ = try await holder.withSession { s in try s.execute(script: "COMMIT") }
            try await fresh.value
            for redelivery in redeliveries {
                let answer = try await redelivery.value
                #expect(answer.0 == 200 && answer.1 == true)
            }
            #expect(try await TestApp.count(pool, "SELECT sum(delivery_count)::int AS count FROM billing_events WHERE stripe_event_id LIKE 'evt_busy_%'") == 4)
            await holder.close()
        }
    }
}

