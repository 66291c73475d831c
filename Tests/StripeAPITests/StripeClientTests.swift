import BillingTestSupport
import Foundation
import StripeAPI
import Synchronization
import Testing

/// The libcurl Stripe client against a fake Stripe API on a loopback port.
@Suite struct StripeClientTests {
    /// Records the delays the client asked for instead of sleeping.
    final class Sleeps: Sendable {
        private let values = Mutex<[Double]>([])
        var all: [Double] { values.withLock { $0 } }
        var sleep: @Sendable (Double) async throws -> Void { { s in self.values.withLock { $0.append(s) } } }
    }

    static func withClient<T: Sendable>(
        _ fake: FakeStripe, key: String = FakeStripe.key, sleeps: Sleeps = Sleeps(),
        _ body: @escaping @Sendable (StripeClient) async throws -> T
    ) async throws -> T {
        try await fake.serve { base in
            try await StripeClient.withCurlClient(
                configuration: StripeConfiguration(apiKey: key, apiBase: base + "/"), sleep: sleeps.sleep, body)
        }
    }

    /// A subscription is fetched by id with the key as bearer and the pinned API version.
    @Test func fetchesSubscriptionWithPinnedVersion() async throws {
        let fake = FakeStripe()
        let json = FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: 1_760_000_000)
        fake.addSubscription(id: "sub_1", json: json)
        let fetched = try await Self.withClient(fake) { try await $0.subscription(id: "sub_1") }
        #expect(fetched.object.id == "sub_1")
        #expect(fetched.object.json == Array(json.utf8))
        #expect(abs(fetched.fetchedAt - Int64(Date().timeIntervalSince1970)) < 60)
        let seen = try #require(fake.requests.first)
        #expect(seen.path == "/v1/subscriptions/sub_1")
        #expect(seen.headers["authorization"] == "Bearer \(FakeStripe.key)")
        #expect(seen.headers["stripe-version"] == "2025-03-31.basil")
    }

    /// `GET /v1/events` follows `has_more` with `starting_after` across several pages, sending
    /// `types[]` and `created[gte]` on each, and returns every event exactly once, byte for byte.
    @Test func paginatesEvents() async throws {
        let fake = FakeStripe()
        var expected: [String: String] = [:]
        for n in 0..<7 {
            let id = "evt_\(n)"
            let json = FakeStripe.subscriptionEvent(id: id, created: 1_760_000_000 + Int64(n), subscription:
                FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: 1_760_000_000))
            fake.addEvent(id: id, created: 1_760_000_000 + Int64(n), type: "customer.subscription.updated", json: json)
            expected[id] = json
        }
        fake.addEvent(id: "evt_other", created: 1_760_000_100, type: "charge.succeeded", json: #"{"id":"evt_other"}"#)
        fake.addEvent(id: "evt_old", created: 1_700_000_000, type: "invoice.paid", json: #"{"id":"evt_old"}"#)
        let events = try await Self.withClient(fake) { client in
            try await client.list("/v1/events", query: [("types[]", "customer.subscription.updated"), ("types[]", "invoice.paid"),
                                                        ("created[gte]", "1750000000")], pageSize: 3)
        }
        #expect(events.map(\.id) == ["evt_6", "evt_5", "evt_4", "evt_3", "evt_2", "evt_1", "evt_0"])
        for event in events {
            #expect(event.json == Array(expected[event.id]!.utf8))
            // Read as an event in the page's one pass: nobody decodes the bytes again.
            let envelope = try event.envelope.get()
            #expect(envelope.id == event.id && envelope.type == "customer.subscription.updated")
            #expect(envelope.subscriptionId == "sub_1" && envelope.customerId == "cus_1" && envelope.livemode == false)
        }
        let pages = fake.requests
        #expect(pages.count == 3)
        #expect(pages.map { $0.values("starting_after") } == [[], ["evt_4"], ["evt_1"]])
        for page in pages {
            #expect(page.values("types[]") == ["customer.subscription.updated", "invoice.paid"])
            #expect(page.values("created[gte]") == ["1750000000"])
            #expect(page.values("limit") == ["3"])
        }
    }

    /// Each element of a page carries its event, read in the page's one pass: an element that is no
    /// Stripe event is listed with the envelope's error (back-fill skips it). A page that is no list,
    /// or an element without a string id (no cursor), is an `invalid_response`.
    @Test func pageElementsCarryTheirEventOrWhyNot() async throws {
        let fake = FakeStripe()
        let event = #"{"id":"evt_1","object":"event","type":"invoice.paid","created":1750000000,"data":{"object":{"id":"in_1","object":"invoice","customer":"cus_1"}}}"#
        fake.script("/v1/events", [
            .init(status: 200, body: #"{"object":"list","has_more":false,"data":[\#(event), {"id":"ch_1","object":"charge"}]}"#),
            .init(status: 200, body: #"{"object":"event","data":[]}"#),
            .init(status: 200, body: #"{"object":"list","has_more":true,"data":[\#(event), {"object":"event"}]}"#),
        ])
        let listed = try await Self.withClient(fake) { try await $0.events(types: [], createdGte: 0) }
        #expect(listed.map(\.id) == ["evt_1", "ch_1"])
        let first = try listed[0].envelope.get()
        #expect(first.id == "evt_1" && first.customerId == "cus_1" && first.livemode == nil)
        #expect(throws: (any Error).self) { try listed[1].envelope.get() }
        if case .failure(let error) = listed[1].envelope {
            #expect(error.code == .invalidPayload && error.message.contains("not a Stripe event"))
        }
        for why in [#"no "object": "list" with a "data" array"#, "an element has no string id"] {
            let error = await #expect(throws: StripeAPIError.self) {
                try await Self.withClient(fake) { try await $0.events(types: [], createdGte: 0) }
            }
            #expect(error?.code == .invalidResponse)
            #expect(error?.message == "/v1/events answered a page that is not a Stripe list: \(why)")
        }
    }

    /// A 429 with `Retry-After: 2` is retried after exactly 2 s, then succeeds.
    @Test func honoursRetryAfterOn429() async throws {
        let fake = FakeStripe()
        fake.addSubscription(id: "sub_1", json: FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: 1))
        fake.script("/v1/subscriptions/sub_1", [.init(status: 429, headers: ["Retry-After": "2"])])
        let sleeps = Sleeps()
        let fetched = try await Self.withClient(fake, sleeps: sleeps) { try await $0.subscription(id: "sub_1") }
        #expect(fetched.object.id == "sub_1")
        #expect(sleeps.all == [2])
        #expect(fake.requests.count == 2)
    }

    /// A 500 is retried with a jittered backoff, then succeeds.
    @Test func retries500ThenSucceeds() async throws {
        let fake = FakeStripe()
        fake.addSubscription(id: "sub_1", json: FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: 1))
        fake.script("/v1/subscriptions/sub_1", [.init(status: 500), .init(status: 503)])
        let sleeps = Sleeps()
        _ = try await Self.withClient(fake, sleeps: sleeps) { try await $0.subscription(id: "sub_1") }
        #expect(fake.requests.count == 3)
        #expect(sleeps.all.count == 2)
        #expect(sleeps.all[0] >= 0.25 && sleeps.all[0] <= 0.5)
        #expect(sleeps.all[1] >= 0.5 && sleeps.all[1] <= 1.0)
    }

    /// Five 5xx answers exhaust the attempts: a `server_error` after exactly 5 requests.
    @Test func givesUpAfterFiveAttempts() async throws {
        let fake = FakeStripe()
        fake.script("/v1/subscriptions/sub_1", Array(repeating: .init(status: 502), count: 6))
        let error = await #expect(throws: StripeAPIError.self) {
            try await Self.withClient(fake) { try await $0.subscription(id: "sub_1") }
        }
        #expect(error?.code == .serverError)
        #expect(error?.httpStatus == 502)
        #expect(fake.requests.count == 5)
    }

    /// `Stripe-Should-Retry: false` wins over a retryable status; `true` wins over a 409.
    @Test func stripeShouldRetryWins() async throws {
        let fake = FakeStripe()
        fake.addSubscription(id: "sub_1", json: FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: 1))
        fake.script("/v1/subscriptions/sub_1", [.init(status: 503, headers: ["Stripe-Should-Retry": "false"])])
        let error = await #expect(throws: StripeAPIError.self) {
            try await Self.withClient(fake) { try await $0.subscription(id: "sub_1") }
        }
        #expect(error?.code == .serverError)
        #expect(fake.requests.count == 1)

        let again = FakeStripe()
        again.addSubscription(id: "sub_1", json: FakeStripe.subscription(id: "sub_1", customer: "cus_1", status: "active", periodEnd: 1))
        again.script("/v1/subscriptions/sub_1", [.init(status: 409, headers: ["Stripe-Should-Retry": "true"])])
        _ = try await Self.withClient(again) { try await $0.subscription(id: "sub_1") }
        #expect(again.requests.count == 2)
    }

    /// A 401 is not retried and fails with `unauthorized`; the message names STRIPE_API_KEY and
    /// holds neither the key nor Stripe's masked echo of it.
    @Test func unauthorizedIsClearAndKeyless() async throws {
        let fake = FakeStripe()
        let key = "sk_test_wrong_key_9999"
        let error = await #expect(throws: StripeAPIError.self) {
            try await Self.withClient(fake, key: key) { try await $0.subscription(id: "sub_1") }
        }
        #expect(error?.code == .unauthorized)
        #expect(error?.message.contains("STRIPE_API_KEY") == true)
        #expect(error.map { String(describing: $0) }?.contains(key) == false)
        #expect(error.map { String(describing: $0) }?.contains("sk_test") == false)
        #expect(fake.requests.count == 1)
    }

    /// An unknown subscription is a `not_found` error naming the path; a 403 is `forbidden`.
    @Test func notFoundAndForbidden() async throws {
        let fake = FakeStripe()
        fake.script("/v1/subscriptions/sub_locked", [.init(status: 403, body: #"{"error":{"message":"restricted key rk_live_abc lacks rak_subscription_read"}}"#)])
        let missing = await #expect(throws: StripeAPIError.self) {
            try await Self.withClient(fake) { try await $0.subscription(id: "sub_missing") }
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("/v1/subscriptions/sub_missing") == true)
        let forbidden = await #expect(throws: StripeAPIError.self) {
            try await Self.withClient(fake) { try await $0.subscription(id: "sub_locked") }
        }
        #expect(forbidden?.code == .forbidden)
        #expect(forbidden?.message.contains("rk_live_abc") == false)
    }

    /// A closed port is a `connection_failed` error after the retries (connection errors retry).
    @Test func connectionFailureIsRetriedThenReported() async throws {
        let sleeps = Sleeps()
        let error = await #expect(throws: StripeAPIError.self) {
            try await StripeClient.withCurlClient(
                configuration: StripeConfiguration(apiKey: "sk_test_x", apiBase: "http://127.0.0.1:1", connectTimeoutSeconds: 2),
                sleep: sleeps.sleep) { try await $0.subscription(id: "sub_1") }
        }
        #expect(error?.code == .connectionFailed)
        #expect(sleeps.all.count == 4)
    }

    /// The retry rule as a pure function: Retry-After is capped; backoff doubles up to its cap.
    @Test func retryPolicyDecisions() {
        let policy = StripeRetryPolicy()
        var random = SystemRandomNumberGenerator()
        #expect(policy.decide(afterAttempt: 1, status: 429, headers: ["retry-after": "3600"], random: &random) == .retry(afterSeconds: 60))
        #expect(policy.decide(afterAttempt: 5, status: 500, headers: [:], random: &random) == .giveUp)
        #expect(policy.decide(afterAttempt: 1, status: 400, headers: [:], random: &random) == .giveUp)
        #expect(policy.decide(afterAttempt: 1, status: 404, headers: ["stripe-should-retry": "true", "retry-after": "1"], random: &random) == .retry(afterSeconds: 1))
        guard case .retry(let d) = policy.decide(afterAttempt: 4, status: nil, headers: [:], random: &random) else {
            Issue.record("a connection failure is retried"); return
        }
        #expect(d >= 2 && d <= 4)
    }
}
