import BillingCore

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
    ///
    /// Read in one ``JSONScanner`` pass by the members and rules that read an event's subscription
    /// (`ScannedObject`), which answer as the `JSONDecoder` shapes they replaced.
    /// - Throws: `BillingCoreError` with code `undecodableEvent`; the message names the failing member, never a value.
    public static func decode(subscriptionPayload payload: some Collection<UInt8>) throws(BillingCoreError)
        -> SubscriptionSnapshot
    {
        let decoded = payload.withContiguousStorageIfAvailable { bytes in
            Result { () throws(BillingCoreError) in try scan(bytes) }
        } ?? Array(payload).withUnsafeBufferPointer { bytes in
            Result { () throws(BillingCoreError) in try scan(bytes) }
        }
        return try decoded.get()
    }
}
