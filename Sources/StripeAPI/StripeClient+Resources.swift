import BillingCore
import Foundation
import StripeJSON

/// One object of a Stripe answer, kept as the exact bytes Stripe sent.
public struct StripeObject: Sendable, Hashable {
    /// The object's `id` (`evt_…`, `sub_…`).
    public var id: String
    /// The object's JSON, byte for byte.
    public var json: [UInt8]

    public init(id: String, json: [UInt8]) {
        self.id = id
        self.json = json
    }
}

/// One element of a `GET /v1/events` page: its bytes as Stripe sent them, and the event read from
/// them in the same pass as the page (no element is parsed twice).
public struct ListedEvent: Sendable, Hashable {
    /// The element's `id` (`evt_…`), the page's cursor.
    public var id: String
    /// The element's JSON, byte for byte.
    public var json: [UInt8]
    /// The element's envelope, or why it is not a Stripe snapshot event (`invalid_payload`, as
    /// `EventEnvelope(decoding:)` would say).
    public var envelope: Result<EventEnvelope, BillingCoreError>

    public init(id: String, json: [UInt8], envelope: Result<EventEnvelope, BillingCoreError>) {
        self.id = id
        self.json = json
        self.envelope = envelope
    }
}

/// A subscription fetched by id: decoded once, kept byte for byte, with the time it was fetched
/// (the watermark of `reconcile --apply`).
public struct FetchedSubscription: Sendable, Hashable {
    /// The subscription as the billing rules read it.
    public var snapshot: SubscriptionSnapshot
    /// The answer, byte for byte, under the subscription's id.
    public var object: StripeObject
    /// Unix seconds when the answer arrived.
    public var fetchedAt: Int64
}

extension StripeClient {
    /// Stripe keeps events for 30 days (`GET /v1/events`).
    public static let eventRetentionSeconds: Int64 = 30 * 86_400

    /// `GET /v1/subscriptions/{id}` (canceled subscriptions included), decoded in one pass
    /// (`SubscriptionSnapshot.decode(subscriptionPayload:)`).
    /// - Throws: `StripeAPIError` (`notFound` for an unknown id, `invalidResponse` for an answer that is
    ///   not a subscription, naming the member that refused it).
    public func subscription(id: String) async throws -> FetchedSubscription {
        let path = "/v1/subscriptions/\(Self.pathSegment(id))"
        let response = try await get(path)
        let fetchedAt = Int64(Date().timeIntervalSince1970)
        let snapshot: SubscriptionSnapshot
        do {
            snapshot = try SubscriptionSnapshot.decode(subscriptionPayload: response.body)
        } catch {
            throw StripeAPIError(.invalidResponse, "\(path) did not answer a Stripe subscription: \(error.message)")
        }
        return FetchedSubscription(
            snapshot: snapshot, object: StripeObject(id: snapshot.id, json: response.body), fetchedAt: fetchedAt)
    }

    /// `GET /v1/events` with `types[]` and `created[gte]`, every page (newest first, as Stripe lists).
    /// - Parameters:
    ///   - types: at most 20 event types (Stripe's limit); empty = all types.
    ///   - createdGte: Unix seconds; Stripe keeps 30 days of events.
    ///   - onPage: called after each page with the number of events so far (progress).
    public func events(
        types: [String], createdGte: Int64, onPage: @Sendable (Int) -> Void = { _ in }
    ) async throws -> [ListedEvent] {
        var query = types.map { ("types[]", $0) }
        query.append(("created[gte]", String(createdGte)))
        return try await list("/v1/events", query: query, onPage: onPage)
    }

    /// Every event of a list endpoint of events, following `has_more` with `starting_after=<last id>`.
    /// - Parameters:
    ///   - pageSize: Stripe's `limit`, 1–100.
    public func list(
        _ path: String, query: [(String, String)], pageSize: Int = 100, onPage: @Sendable (Int) -> Void = { _ in }
    ) async throws -> [ListedEvent] {
        var all: [ListedEvent] = []
        var cursor: String?
        while true {
            var pageQuery = query + [("limit", String(min(max(pageSize, 1), 100)))]
            if let cursor { pageQuery.append(("starting_after", cursor)) }
            let response = try await get(path, query: pageQuery)
            let page = try StripeListPage(parsing: response.body, path: path)
            all += page.objects
            onPage(all.count)
            guard page.hasMore, let last = page.objects.last else { return all }
            cursor = last.id
        }
    }
}

/// One page of a Stripe list of events: `{"object":"list","data":[…],"has_more":…}`.
struct StripeListPage {
    var objects: [ListedEvent]
    var hasMore: Bool

    init(parsing body: [UInt8], path: String) throws {
        func invalid(_ why: String) -> StripeAPIError {
            StripeAPIError(.invalidResponse, "\(path) answered a page that is not a Stripe list: \(why)")
        }
        // One pass over the page: validated, split into elements, each element's id and envelope read.
        guard let top = StripeList.read(body), top.isObject else {
            throw invalid("not a JSON object")
        }
        guard top.object == "list", let data = top.data else {
            throw invalid("no \"object\": \"list\" with a \"data\" array")
        }
        var objects: [ListedEvent] = []
        objects.reserveCapacity(data.count)
        for element in data {
            guard let id = element.id else { throw invalid("an element has no string id") }
            objects.append(ListedEvent(id: id, json: Array(body[element.range]), envelope: element.event))
        }
        self.objects = objects
        self.hasMore = top.hasMore ?? false
    }
}
