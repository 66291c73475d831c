import Foundation
import Synchronization

/// A fake of the two Stripe endpoints the product calls, served on a loopback port by the test:
/// `GET /v1/subscriptions/:id` and `GET /v1/events` (filters `types[]`, `created[gte]`; newest
/// first; pages of `limit` with `starting_after`/`has_more`). Scripted answers (429, 500, …)
/// are served first, per path, and every request is recorded.
public final class FakeStripe: Sendable {
    public static let key = "sk_test_fake_4242"

    /// A canned answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String

        public init(status: Int, headers: [String: String] = [:],
                    body: String = #"{"error":{"message":"scripted","type":"api_error"}}"#) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// One request as the fake saw it.
    public struct Seen: Sendable {
        public var path: String
        public var query: [(String, String)]
        public var headers: [String: String]

        public func values(_ name: String) -> [String] { query.filter { $0.0 == name }.map(\.1) }
    }

    private struct State {
        var subscriptions: [String: String] = [:]
        /// (id, created, type, JSON)
        var events: [(id: String, created: Int64, type: String, json: String)] = []
        var scripted: [String: [Answer]] = [:]
        var seen: [Seen] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func addSubscription(id: String, json: String) { state.withLock { $0.subscriptions[id] = json } }
    public func addEvent(id: String, created: Int64, type: String, json: String) {
        state.withLock { $0.events.append((id, created, type, json)) }
    }
    public func script(_ path: String, _ answers: [Answer]) { state.withLock { $0.scripted[path, default: []] += answers } }
    public var requests: [Seen] { state.withLock { $0.seen } }

    /// Runs `body` with the fake's base URL (`http://127.0.0.1:<port>`).
    public func serve<T: Sendable>(_ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let server = try LoopbackHTTPServer { [self] request in self.respond(request) }
        defer { server.stop() }
        return try await body(server.baseURL)
    }

    private func respond(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        let query = Self.query(request.query)
        let scripted = state.withLock { s -> Answer? in
            s.seen.append(Seen(path: request.path, query: query, headers: request.headers))
            return s.scripted[request.path]?.isEmpty == false ? s.scripted[request.path]!.removeFirst() : nil
        }
        let answer: Answer
        if request.headers["authorization"] != "Bearer \(Self.key)" {
            let masked = "sk_test_****" + String((request.headers["authorization"] ?? "").suffix(4))
            answer = Answer(status: 401, body: #"{"error":{"message":"Invalid API Key provided: \#(masked)","type":"invalid_request_error"}}"#)
        } else if let scripted {
            answer = scripted
        } else if request.method == "GET", request.path.hasPrefix("/v1/subscriptions/") {
            let id = String(request.path.dropFirst("/v1/subscriptions/".count))
            if let json = state.withLock({ $0.subscriptions[id] }) {
                answer = Answer(status: 200, body: json)
            } else {
                answer = Answer(status: 404, body: #"{"error":{"code":"resource_missing","message":"No such subscription: '\#(id)'","type":"invalid_request_error"}}"#)
            }
        } else if request.method == "GET", request.path == "/v1/events" {
            answer = eventsPage(query)
        } else {
            answer = Answer(status: 404, body: #"{"error":{"message":"Unrecognized request URL","type":"invalid_request_error"}}"#)
        }
        var headers = answer.headers
        headers["Content-Type"] = "application/json"
        return LoopbackHTTPServer.Response(status: answer.status, headers: headers, body: answer.body)
    }

    private func eventsPage(_ query: [(String, String)]) -> Answer {
        let types = Set(query.filter { $0.0 == "types[]" }.map(\.1))
        let gte = query.first { $0.0 == "created[gte]" }.flatMap { Int64($0.1) } ?? 0
        let limit = query.first { $0.0 == "limit" }.flatMap { Int($0.1) } ?? 10
        let after = query.first { $0.0 == "starting_after" }?.1
        var matching = state.withLock { $0.events }
            .filter { (types.isEmpty || types.contains($0.type)) && $0.created >= gte }
            .sorted { ($0.created, $0.id) > ($1.created, $1.id) }
        if let after, let i = matching.firstIndex(where: { $0.id == after }) { matching = Array(matching[(i + 1)...]) }
        let page = matching.prefix(limit)
        let data = page.map(\.json).joined(separator: ",")
        return Answer(status: 200, body: #"{"object":"list","data":[\#(data)],"has_more":\#(matching.count > limit),"url":"/v1/events"}"#)
    }

    /// The query's pairs, names and values percent-decoded.
    public static func query(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0) }
            let decode = { (s: String) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s }
            return (decode(parts[0]), decode(parts.count > 1 ? parts[1] : ""))
        }
    }

    // MARK: - Fixtures

    /// A basil-shaped subscription.
    public static func subscription(id: String, customer: String, status: String, periodEnd: Int64,
                             cancelAtPeriodEnd: Bool = false) -> String {
        #"{"id":"\#(id)","object":"subscription","customer":"\#(customer)","status":"\#(status)","cancel_at_period_end":\#(cancelAtPeriodEnd),"canceled_at":null,"trial_start":null,"trial_end":null,"pause_collection":null,"metadata":{},"items":{"object":"list","data":[{"id":"si_1","object":"subscription_item","current_period_start":\#(periodEnd - 2_592_000),"current_period_end":\#(periodEnd)}]}}"#
    }

    /// A `customer.subscription.updated` event carrying `subscription(…)`.
    public static func subscriptionEvent(id: String, created: Int64, type: String = "customer.subscription.updated",
                                  subscription: String) -> String {
        #"{"id":"\#(id)","object":"event","api_version":"2025-03-31.basil","created":\#(created),"livemode":false,"type":"\#(type)","data":{"object":\#(subscription)}}"#
    }
}
