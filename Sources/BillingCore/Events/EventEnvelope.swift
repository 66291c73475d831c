import Foundation

/// What ingest needs from a verified Stripe snapshot event, decoded from the body bytes (SPEC §4, §10).
///
/// The body must be UTF-8 JSON: an object with `"object": "event"`, a non-empty string `id` and `type`,
/// and an integer `created`; anything else is `invalid_payload`. A thin event
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

    /// Decodes the envelope from a verified body.
    /// - Parameter body: The raw request body.
    /// - Throws: `invalid_payload` when the body is not a UTF-8 JSON Stripe snapshot event.
    public init<Body: Collection<UInt8>>(decoding body: Body) throws(BillingCoreError) {
        guard Self.isValidJSONText(body) else {
            throw Self.invalid("the body is not valid UTF-8")
        }
        let wire: WireEvent
        do {
            let data = body.withContiguousStorageIfAvailable { Data(buffer: $0) } ?? Data(body)
            wire = try Self.decoder.decode(WireEvent.self, from: data)
        } catch DecodingError.dataCorrupted {
            throw Self.invalid("the body is not valid JSON")
        } catch {
            throw Self.invalid("the body is not a JSON object")
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

        let object = wire.data?.object
        let objectType = object?.object
        self.init(
            id: id,
            type: type,
            created: created,
            apiVersion: wire.apiVersion,
            livemode: wire.livemode,
            objectType: objectType,
            objectId: object?.id,
            customerId: objectType == "customer" ? object?.id : object?.customer?.id,
            subscriptionId: Self.subscriptionId(of: object)
        )
    }

    private static func subscriptionId(of object: WireObject?) -> String? {
        guard let object else { return nil }
        switch object.object {
        case "subscription":
            return object.id
        case "invoice":
            return object.subscription?.id ?? object.parent?.subscriptionDetails?.subscription?.id
        case "checkout.session":
            return object.subscription?.id
        default:
            return nil
        }
    }

    private static func invalid(_ message: String) -> BillingCoreError {
        BillingCoreError(.invalidPayload, message)
    }

    /// Foundation's decoder shares no mutable state between `decode` calls.
    private static let decoder = JSONDecoder()

    /// Strict UTF-8 (no overlongs, surrogates or truncated sequences) without NUL bytes. JSON text
    /// never holds a raw NUL, and refusing it stops Foundation from reading the body as UTF-16/32.
    private static func isValidJSONText<Body: Collection<UInt8>>(_ body: Body) -> Bool {
        if let valid = body.withContiguousStorageIfAvailable({ isValidJSONText(bytes: $0) }) {
            return valid
        }
        return isValidJSONText(bytes: body)
    }

    private static func isValidJSONText<Bytes: Sequence<UInt8>>(bytes: Bytes) -> Bool {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == 0 { return false }
            case .emptyInput:
                return true
            case .error:
                return false
            }
        }
    }
}

// MARK: - Wire shapes (lenient: a missing or mistyped field decodes as nil)

private struct WireEvent: Decodable {
    var object: String?
    var id: String?
    var type: String?
    var created: Int64?
    var apiVersion: String?
    var livemode: Bool?
    var data: WireData?

    private enum CodingKeys: String, CodingKey {
        case object, id, type, created, livemode, data
        case apiVersion = "api_version"
    }

    init(from decoder: any Decoder) throws {
        // Throws (a type mismatch) when the top level is not an object.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.lenientValue(String.self, .object)
        id = container.lenientValue(String.self, .id)
        type = container.lenientValue(String.self, .type)
        created = container.lenientValue(Int64.self, .created)
        apiVersion = container.lenientValue(String.self, .apiVersion)
        livemode = container.lenientValue(Bool.self, .livemode)
        data = container.lenientValue(WireData.self, .data)
    }
}

private struct WireData: Decodable {
    var object: WireObject?

    private enum CodingKeys: String, CodingKey { case object }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.lenientValue(WireObject.self, .object)
    }
}

private struct WireObject: Decodable {
    var object: String?
    var id: String?
    var customer: WireReference?
    var subscription: WireReference?
    var parent: WireParent?

    private enum CodingKeys: String, CodingKey { case object, id, customer, subscription, parent }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.lenientValue(String.self, .object)
        id = container.lenientValue(String.self, .id)
        customer = container.lenientValue(WireReference.self, .customer)
        subscription = container.lenientValue(WireReference.self, .subscription)
        parent = container.lenientValue(WireParent.self, .parent)
    }
}

/// `parent` of a basil invoice: `{"type": "subscription_details", "subscription_details": {"subscription": …}}`.
private struct WireParent: Decodable {
    var subscriptionDetails: WireSubscriptionDetails?

    private enum CodingKeys: String, CodingKey { case subscriptionDetails = "subscription_details" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subscriptionDetails = container.lenientValue(WireSubscriptionDetails.self, .subscriptionDetails)
    }
}

private struct WireSubscriptionDetails: Decodable {
    var subscription: WireReference?

    private enum CodingKeys: String, CodingKey { case subscription }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subscription = container.lenientValue(WireReference.self, .subscription)
    }
}

/// An expandable Stripe reference: an id string, or the expanded object carrying `id`.
private struct WireReference: Decodable {
    var id: String?

    private enum CodingKeys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let id = try? container.decode(String.self) {
            self.id = id
        } else {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = container.lenientValue(String.self, .id)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value for `key`, or `nil` when it is absent, `null` or of another type.
    fileprivate func lenientValue<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
