import Foundation

extension BillingEvent {
    /// Decode a stored Stripe snapshot event from its raw payload bytes, in either API shape.
    ///
    /// Fields are read by shape, never by `api_version`. Unknown types decode to `.ignored` (only `id`, `type`,
    /// `created` and `livemode` are required then). The payload must be JSON text (RFC 8259, UTF-8); it is read
    /// in one pass of ``JSONScanner`` (`BillingEvent+Scanning.swift`), which replaced Foundation's `JSONDecoder`
    /// on this hot path and reads every member as the `JSONDecoder` shapes did.
    /// - Throws: `BillingCoreError` with code `undecodableEvent` when the bytes are not such an event; the message
    ///   names the failing field path, never a value.
    public static func decode(payload: some Collection<UInt8>) throws(BillingCoreError) -> BillingEvent {
        let decoded = payload.withContiguousStorageIfAvailable { bytes in
            Result { () throws(BillingCoreError) in try scan(bytes) }
        } ?? Array(payload).withUnsafeBufferPointer { bytes in
            Result { () throws(BillingCoreError) in try scan(bytes) }
        }
        return try decoded.get()
    }
}

extension SubscriptionSnapshot {
    /// Decode a subscription object as `GET /v1/subscriptions/{id}` returns it (reconcile), in either API shape.
    /// - Throws: `BillingCoreError` with code `undecodableEvent`.
    public static func decode(subscriptionPayload payload: some Collection<UInt8>) throws(BillingCoreError)
        -> SubscriptionSnapshot
    {
        try decodeJSON(RawSubscription.self, from: Data(payload)).snapshot
    }
}

private func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data) throws(BillingCoreError) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw BillingCoreError(.undecodableEvent, describe(error))
    } catch let error as BillingCoreError {
        throw error
    } catch {
        throw BillingCoreError(.undecodableEvent, "the payload is not a Stripe event")
    }
}

/// A safe description: the path of the failing field and what went wrong, never a value.
private func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the payload" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .dataCorrupted(let context): return "\(path(context.codingPath)) is not valid JSON or has an invalid value"
    case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
    case .typeMismatch(_, let context): return "\(path(context.codingPath)) has the wrong type"
    case .valueNotFound(_, let context): return "\(path(context.codingPath)) is null"
    @unknown default: return "the payload is not a Stripe event"
    }
}

// MARK: - Raw shapes (reconcile's subscriptions; events are scanned)

/// A reference Stripe renders as an id string or, when expanded, as an object with an `id`.
private struct ExpandableID: Decodable {
    let id: String
    private enum Keys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let id = try? single.decode(String.self) {
            self.id = id
        } else {
            id = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .id)
        }
    }
}

private struct RawSubscription: Decodable {
    let id: String
    let customer: ExpandableID?
    let status: String
    let trial_start: Int64?
    let trial_end: Int64?
    let current_period_start: Int64?
    let current_period_end: Int64?
    let items: RawItems?
    let cancel_at_period_end: Bool?
    let canceled_at: Int64?
    let pause_collection: RawPauseCollection?
    let metadata: [String: String]?

    struct RawItems: Decodable { let data: [RawItem] }
    struct RawItem: Decodable {
        let current_period_start: Int64?
        let current_period_end: Int64?
    }
    struct RawPauseCollection: Decodable { let behavior: String? }

    var snapshot: SubscriptionSnapshot {
        get throws(BillingCoreError) {
            guard let mapped = StripeSubscriptionStatus(rawValue: status) else {
                throw BillingCoreError(.undecodableEvent, "data.object.status is not a known subscription status")
            }
            let itemStarts = (items?.data ?? []).compactMap(\.current_period_start)
            let itemEnds = (items?.data ?? []).compactMap(\.current_period_end)
            return SubscriptionSnapshot(
                id: id, customerId: customer?.id, status: mapped, trialStart: trial_start, trialEnd: trial_end,
                currentPeriodStart: current_period_start ?? itemStarts.min(),
                currentPeriodEnd: current_period_end ?? itemEnds.max(),
                cancelAtPeriodEnd: cancel_at_period_end ?? false, canceledAt: canceled_at,
                collectionPaused: pause_collection != nil, metadataClientId: metadata?["client_id"])
        }
    }
}
