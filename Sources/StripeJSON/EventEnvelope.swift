import BillingCore

/// What ingest needs from a verified Stripe snapshot event, decoded from the body bytes (SPEC §4, §10).
///
/// The body must be UTF-8 JSON text (RFC 8259, all of it, also where no field is read; nesting at most
/// 512 deep): an object with `"object": "event"`, a non-empty string `id` and `type`, and an integer
/// `created`; anything else is `invalid_payload`. A thin event
/// (`"object": "v2.core.event"`) is refused with a message saying thin events are not supported.
/// Other fields are read leniently: a missing or mistyped one is `nil`. Error messages never quote
/// the body.
///
/// Ids of `data.object`, for both API shapes (pre-basil and `2025-03-31.basil`):
/// - ``customerId``: `customer` (a string, or an expanded object's `id`); for a customer object, its own id.
/// - ``subscriptionId``: a subscription's own id; an invoice's `subscription` (string or expanded object),
///   else `parent.subscription_details.subscription`; a checkout session's `subscription`; otherwise `nil`.
public struct EventEnvelope: Sendable, Hashable {
    /// Stripe's event id (`evt_…`), the idempotency key.
    public var id: String
    /// The event type, e.g. `invoice.paid`.
    public var type: String
    /// When Stripe created the event, Unix seconds.
    public var created: Int64
    /// The API version the event was rendered with, e.g. `2025-03-31.basil`.
    public var apiVersion: String?
    /// Whether the event comes from live mode.
    public var livemode: Bool?
    /// `data.object.object`, e.g. `invoice`, `subscription`, `checkout.session`.
    public var objectType: String?
    /// `data.object.id`.
    public var objectId: String?
    /// The Stripe customer the object belongs to.
    public var customerId: String?
    /// The Stripe subscription the object belongs to.
    public var subscriptionId: String?

    public init(
        id: String,
        type: String,
        created: Int64,
        apiVersion: String? = nil,
        livemode: Bool? = nil,
        objectType: String? = nil,
        objectId: String? = nil,
        customerId: String? = nil,
        subscriptionId: String? = nil
    ) {
        self.id = id
        self.type = type
        self.created = created
        self.apiVersion = apiVersion
        self.livemode = livemode
        self.objectType = objectType
        self.objectId = objectId
        self.customerId = customerId
        self.subscriptionId = subscriptionId
    }

    /// Decodes the envelope from a verified body, in one pass of ``JSONScanner`` over its bytes.
    /// - Parameter body: The raw request body.
    /// - Throws: `invalid_payload` when the body is not a UTF-8 JSON Stripe snapshot event.
    public init<Body: Collection<UInt8>>(decoding body: Body) throws(BillingCoreError) {
        let scanned = body.withContiguousStorageIfAvailable(WireEvent.scan)
            ?? Array(body).withUnsafeBufferPointer(WireEvent.scan)
        let wire: WireEvent
        switch scanned {
        case .event(let event): wire = event
        case .notAnObject: throw Self.invalid("the body is not a JSON object")
        case .notJSON: throw Self.invalid("the body is not valid JSON")
        case .notUTF8: throw Self.invalid("the body is not valid UTF-8")
        }

        switch wire.object {
        case "event":
            break
        case "v2.core.event":
            throw Self.invalid("thin events (\"object\": \"v2.core.event\") are not supported; send snapshot events")
        default:
            throw Self.invalid("the body is not a Stripe event (\"object\" is not \"event\")")
        }
        guard let id = wire.id, !id.isEmpty else {
            throw Self.invalid("the event has no string \"id\"")
        }
        guard let type = wire.type, !type.isEmpty else {
            throw Self.invalid("the event has no string \"type\"")
        }
        guard let created = wire.created else {
            throw Self.invalid("the event has no integer \"created\"")
        }

        let object = wire.dataObject
        let objectType = object?.object
        self.init(
            id: id,
            type: type,
            created: created,
            apiVersion: wire.apiVersion,
            livemode: wire.livemode,
            objectType: objectType,
            objectId: object?.id,
            customerId: objectType == "customer" ? object?.id : object?.customer,
            subscriptionId: Self.subscriptionId(of: object)
        )
    }

    private static func subscriptionId(of object: WireObject?) -> String? {
        guard let object else { return nil }
        switch object.object {
        case "subscription":
            return object.id
        case "invoice":
            return object.subscription ?? object.parentSubscription
        case "checkout.session":
            return object.subscription
        default:
            return nil
        }
    }

    private static func invalid(_ message: String) -> BillingCoreError {
        BillingCoreError(.invalidPayload, message)
    }
}

// MARK: - Wire shapes
//
// Read as Foundation's `JSONDecoder` read the `Decodable` shapes this file had before the scanner, so
// that nothing changes for a body that is JSON: a missing, `null` or mistyped field is nil; of
// duplicate keys the first wins; keys match after unescaping; an object with a key that is no Swift
// `String` (a lone surrogate escape) is nil, and at the top level the body is not valid JSON.

/// Every member name the envelope reads, in any of its objects.
private enum EnvelopeKey: Int, JSONMemberKey {
    case object, id, type, created, apiVersion, livemode, data
    case customer, subscription, parent, subscriptionDetails

    var name: StaticString {
        switch self {
        case .object: "object"
        case .id: "id"
        case .type: "type"
        case .created: "created"
        case .apiVersion: "api_version"
        case .livemode: "livemode"
        case .data: "data"
        case .customer: "customer"
        case .subscription: "subscription"
        case .parent: "parent"
        case .subscriptionDetails: "subscription_details"
        }
    }
}

private typealias Malformed = JSONScanner.Malformed

private struct WireEvent {
    var object: String?
    var id: String?
    var type: String?
    var created: Int64?
    var apiVersion: String?
    var livemode: Bool?
    /// `data.object`.
    var dataObject: WireObject?

    /// What a body is, in the order of the checks that refuse it.
    enum Scanned {
        case event(WireEvent)
        case notAnObject
        case notJSON
        /// Not strict UTF-8 (no overlongs, surrogates or truncated sequences), or holding a NUL byte:
        /// said first, wherever the JSON went wrong.
        case notUTF8
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Scanned {
        do {
            return try read(bytes).map(Scanned.event) ?? .notAnObject
        } catch {
            return JSONScanner.isUTF8WithoutNUL(bytes) ? .notJSON : .notUTF8
        }
    }

    /// The event when the body is an object, `nil` for another JSON value.
    private static func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) -> WireEvent? {
        var scanner = JSONScanner(bytes)
        var event = WireEvent()
        let read = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(Malformed) in
            switch key {
            case .object: event.object = try scanner.string()
            case .id: event.id = try scanner.string()
            case .type: event.type = try scanner.string()
            case .created: event.created = try scanner.int64()
            case .apiVersion: event.apiVersion = try scanner.string()
            case .livemode: event.livemode = try scanner.bool()
            case .data: event.dataObject = try WireObject.readData(&scanner)
            case .customer, .subscription, .parent, .subscriptionDetails: try scanner.skipValue()
            }
        }
        try scanner.finish()
        switch read {
        case .read: return event
        case .notAnObject: return nil
        case .undecodableKey: throw Malformed()
        }
    }
}

/// `data.object`, with its references reduced to their ids.
private struct WireObject {
    var object: String?
    var id: String?
    var customer: String?
    var subscription: String?
    /// `parent.subscription_details.subscription` of a basil invoice.
    var parentSubscription: String?

    /// `data`: `{"object": {…}}`.
    static func readData(_ scanner: inout JSONScanner) throws(Malformed) -> WireObject? {
        var object: WireObject?
        let data = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(Malformed) in
            if key == .object { object = try fields(&scanner) } else { try scanner.skipValue() }
        }
        return data == .read ? object : nil
    }

    private static func fields(_ scanner: inout JSONScanner) throws(Malformed) -> WireObject? {
        var object = WireObject()
        let read = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(Malformed) in
            switch key {
            case .object: object.object = try scanner.string()
            case .id: object.id = try scanner.string()
            case .customer: object.customer = try reference(&scanner)
            case .subscription: object.subscription = try reference(&scanner)
            case .parent: object.parentSubscription = try parentSubscription(&scanner)
            case .type, .created, .apiVersion, .livemode, .data, .subscriptionDetails: try scanner.skipValue()
            }
        }
        return read == .read ? object : nil
    }

    /// `{"subscription_details": {"subscription": …}}`.
    private static func parentSubscription(_ scanner: inout JSONScanner) throws(Malformed) -> String? {
        var subscription: String?
        let parent = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(Malformed) in
            guard key == .subscriptionDetails else { return try scanner.skipValue() }
            var id: String?
            let details = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(Malformed) in
                if key == .subscription { id = try reference(&scanner) } else { try scanner.skipValue() }
            }
            subscription = details == .read ? id : nil
        }
        return parent == .read ? subscription : nil
    }

    /// An expandable reference: an id string, or the expanded object's `id`.
    private static func reference(_ scanner: inout JSONScanner) throws(Malformed) -> String? {
        if try scanner.isAtString() { return try scanner.string() }
        var id: String?
        let expanded = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(Malformed) in
            if key == .id { id = try scanner.string() } else { try scanner.skipValue() }
        }
        return expanded == .read ? id : nil
    }
}
