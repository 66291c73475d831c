import BillingCore
import Foundation
@testable import StripeJSON

/// A frozen copy of `EventEnvelope(decoding:)` as it was before `JSONScanner` replaced Foundation's
/// `JSONDecoder` (commit 725f561), kept only as the oracle of `EnvelopeDifferentialTests`: the new
/// decoder must answer every input exactly as this one does. Never use it outside that test.
enum LegacyEnvelopeDecoder {
    /// `EventEnvelope(decoding:)` as it was before the scanner.
    static func decode<Body: Collection<UInt8>>(_ body: Body) throws(BillingCoreError) -> EventEnvelope {
        guard Self.isValidJSONText(body) else {
            throw Self.invalid("the body is not valid UTF-8")
        }
        let wire: LegacyWireEvent
        do {
            let data = body.withContiguousStorageIfAvailable { Data(buffer: $0) } ?? Data(body)
            wire = try Self.decoder.decode(LegacyWireEvent.self, from: data)
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
        return EventEnvelope(
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

    private static func subscriptionId(of object: LegacyWireObject?) -> String? {
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

private struct LegacyWireEvent: Decodable {
    var object: String?
    var id: String?
    var type: String?
    var created: Int64?
    var apiVersion: String?
    var livemode: Bool?
    var data: LegacyWireData?

    private enum CodingKeys: String, CodingKey {
        case object, id, type, created, livemode, data
        case apiVersion = "api_version"
    }

    init(from decoder: any Decoder) throws {
        // Throws (a type mismatch) when the top level is not an object.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.legacyLenientValue(String.self, .object)
        id = container.legacyLenientValue(String.self, .id)
        type = container.legacyLenientValue(String.self, .type)
        created = container.legacyLenientValue(Int64.self, .created)
        apiVersion = container.legacyLenientValue(String.self, .apiVersion)
        livemode = container.legacyLenientValue(Bool.self, .livemode)
        data = container.legacyLenientValue(LegacyWireData.self, .data)
    }
}

private struct LegacyWireData: Decodable {
    var object: LegacyWireObject?

    private enum CodingKeys: String, CodingKey { case object }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.legacyLenientValue(LegacyWireObject.self, .object)
    }
}

private struct LegacyWireObject: Decodable {
    var object: String?
    var id: String?
    var customer: LegacyWireReference?
    var subscription: LegacyWireReference?
    var parent: LegacyWireParent?

    private enum CodingKeys: String, CodingKey { case object, id, customer, subscription, parent }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.legacyLenientValue(String.self, .object)
        id = container.legacyLenientValue(String.self, .id)
        customer = container.legacyLenientValue(LegacyWireReference.self, .customer)
        subscription = container.legacyLenientValue(LegacyWireReference.self, .subscription)
        parent = container.legacyLenientValue(LegacyWireParent.self, .parent)
    }
}

/// `parent` of a basil invoice: `{"type": "subscription_details", "subscription_details": {"subscription": …}}`.
private struct LegacyWireParent: Decodable {
    var subscriptionDetails: LegacyWireSubscriptionDetails?

    private enum CodingKeys: String, CodingKey { case subscriptionDetails = "subscription_details" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subscriptionDetails = container.legacyLenientValue(LegacyWireSubscriptionDetails.self, .subscriptionDetails)
    }
}

private struct LegacyWireSubscriptionDetails: Decodable {
    var subscription: LegacyWireReference?

    private enum CodingKeys: String, CodingKey { case subscription }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subscription = container.legacyLenientValue(LegacyWireReference.self, .subscription)
    }
}

/// An expandable Stripe reference: an id string, or the expanded object carrying `id`.
private struct LegacyWireReference: Decodable {
    var id: String?

    private enum CodingKeys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let id = try? container.decode(String.self) {
            self.id = id
        } else {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = container.legacyLenientValue(String.self, .id)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value for `key`, or `nil` when it is absent, `null` or of another type.
    fileprivate func legacyLenientValue<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}
