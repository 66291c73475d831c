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
        switch scanned {
        case .event(let event): try self.init(validating: event)
        case .notAnObject: throw Self.invalid("the body is not a JSON object")
        case .notJSON: throw Self.invalid("the body is not valid JSON")
        case .notUTF8: throw Self.invalid("the body is not valid UTF-8")
        }
    }

    /// The envelope of a JSON value already read in a larger pass (an element of a list, or a
    /// top-level object read together with a list's members): what ``init(decoding:)`` answers for
    /// that value's bytes alone, which are JSON text.
    /// - Parameters:
    ///   - wire: the members read, when the value is an object.
    ///   - read: how reading the value as an object ended.
    static func validated(_ wire: WireEvent, _ read: JSONScanner.ObjectRead) -> Result<EventEnvelope, BillingCoreError> {
        switch read {
        case .read:
            do throws(BillingCoreError) {
                return .success(try EventEnvelope(validating: wire))
            } catch {
                return .failure(error)
            }
        case .notAnObject: return .failure(invalid("the body is not a JSON object"))
        case .undecodableKey: return .failure(invalid("the body is not valid JSON"))
        }
    }

    /// The checks every body passes, on the members read from an object.
    private init(validating wire: WireEvent) throws(BillingCoreError) {
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
enum EnvelopeKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

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

/// The top-level members of an event object, as read (not yet checked).
struct WireEvent {
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
            var scanner = JSONScanner(bytes)
            let (event, ending) = try read(&scanner)
            try scanner.finish()
            switch ending {
            case .read: return .event(event)
            case .notAnObject: return .notAnObject
            case .undecodableKey: throw JSONScanner.Malformed()
            }
        } catch {
            return JSONScanner.isUTF8WithoutNUL(bytes) ? .notJSON : .notUTF8
        }
    }

    /// Reads the value at the cursor as an event object (another kind of value is skipped).
    static func read(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> (WireEvent, JSONScanner.ObjectRead) {
        var event = WireEvent()
        let read = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(JSONScanner.Malformed) in
            try event.readMember(key, &scanner)
        }
        return (event, read)
    }

    /// Reads the value of member `key` at the cursor (members an event has not are skipped).
    mutating func readMember(_ key: EnvelopeKey, _ scanner: inout JSONScanner) throws(JSONScanner.Malformed) {
        switch key {
        case .object: object = try scanner.string()
        case .id: id = try scanner.string()
        case .type: type = try scanner.string()
        case .created: created = try scanner.int64()
        case .apiVersion: apiVersion = try scanner.string()
        case .livemode: livemode = try scanner.bool()
        case .data: dataObject = try WireObject.readData(&scanner)
        case .customer, .subscription, .parent, .subscriptionDetails: try scanner.skipValue()
        }
    }
}

/// `data.object`, with its references reduced to their ids.
struct WireObject {
    var object: String?
    var id: String?
    var customer: String?
    var subscription: String?
    /// `parent.subscription_details.subscription` of a basil invoice.
    var parentSubscription: String?

    /// `data`: `{"object": {…}}`.
    static func readData(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> WireObject? {
        var object: WireObject?
        let data = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(JSONScanner.Malformed) in
            if key == .object { object = try fields(&scanner) } else { try scanner.skipValue() }
        }
        return data == .read ? object : nil
    }

    private static func fields(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> WireObject? {
        var object = WireObject()
        let read = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(JSONScanner.Malformed) in
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
    private static func parentSubscription(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> String? {
        var subscription: String?
        let parent = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(JSONScanner.Malformed) in
            guard key == .subscriptionDetails else { return try scanner.skipValue() }
            var id: String?
            let details = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(JSONScanner.Malformed) in
                if key == .subscription { id = try reference(&scanner) } else { try scanner.skipValue() }
            }
            subscription = details == .read ? id : nil
        }
        return parent == .read ? subscription : nil
    }

    /// An expandable reference: an id string, or the expanded object's `id`.
    private static func reference(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> String? {
        if try scanner.isAtString() { return try scanner.string() }
        var id: String?
        let expanded = try scanner.readObject(EnvelopeKey.self) { scanner, key throws(JSONScanner.Malformed) in
            if key == .id { id = try scanner.string() } else { try scanner.skipValue() }
        }
        return expanded == .read ? id : nil
    }
}
