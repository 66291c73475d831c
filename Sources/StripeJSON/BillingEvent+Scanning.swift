import BillingCore

/// ``BillingEvent/decode(payload:)``: one ``JSONScanner`` pass over a stored event.
///
/// Why: the processor decodes every stored event, and Foundation's `JSONDecoder` (which maps the whole
/// body, then decodes through `Codable`) was about 15 % of the service's CPU, more than half of all
/// processing. The scanner reads the body once, keeps string tokens rather than strings, and builds
/// only the strings of the event it returns.
///
/// It answers as the `JSONDecoder` decoder it replaced (a copy of which stays in the tests, as the
/// oracle of `EventDecoderDifferentialTests`) for every body that is JSON text: required and optional
/// members, accepted types, `null`, duplicate keys (the first wins), escaped keys, integers, lone
/// surrogates, nesting up to 512. The one difference: `JSONDecoder` let through some bodies that are not
/// JSON (a trailing comma, an invalid escape, a control character, invalid UTF-8 or a malformed number in
/// a member it never read, a UTF-16 or UTF-32 body); this decoder refuses them all, as ingest does (and
/// the `jsonb` column events are stored in), so no stored event is one. Where `JSONDecoder` trapped (an
/// unclosed 513-deep array, some integers of many digits), this throws or reads the number.
///
/// `type` is usually the last member, after `data`, so `data.object` is read before the decoder knows
/// which object it is: ``ScannedObject`` reads every member any acted-on type needs and records whether
/// `JSONDecoder` would have accepted it; the type then decides which of them must be acceptable.
extension BillingEvent {
    /// The event in `bytes`, or `undecodableEvent` naming the member that refused it.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(BillingCoreError) -> BillingEvent {
        var scanner = JSONScanner(bytes)
        let event: ScannedEvent
        do {
            event = try ScannedEvent.read(&scanner)
            try scanner.finish()
        } catch {
            throw BillingCoreError(.undecodableEvent, "the payload is not valid JSON")
        }
        return try event.billingEvent(scanner)
    }
}

private typealias Decoded = JSONScanner.Decoded
private typealias StringToken = JSONScanner.StringToken

/// The members of an event that `BillingEvent` needs, as scanned.
private struct ScannedEvent {
    var read: JSONScanner.ObjectRead = .notAnObject
    var object: Decoded<StringToken> = .absent
    var id: Decoded<StringToken> = .absent
    var type: Decoded<StringToken> = .absent
    var created: Decoded<Int64> = .absent
    var livemode: Decoded<Bool> = .absent
    /// `data`: absent, refused (not an object, or an undecodable key), or holding `object`'s read.
    var data: Decoded<Decoded<ScannedObject>> = .absent

    static func read(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> ScannedEvent {
        var event = ScannedEvent()
        event.read = try scanner.readObject(EventKey.self) { scanner, key throws(JSONScanner.Malformed) in
            switch key {
            case .object: event.object = try scanner.decodeString()
            case .id: event.id = try scanner.decodeString()
            case .type: event.type = try scanner.decodeString()
            case .created: event.created = try scanner.decodeInt64()
            case .livemode: event.livemode = try scanner.decodeBool()
            case .data: event.data = try readData(&scanner)
            }
        }
        return event
    }

    /// `data`: `{"object": {…}}`.
    private static func readData(
        _ scanner: inout JSONScanner
    ) throws(JSONScanner.Malformed) -> Decoded<Decoded<ScannedObject>> {
        var object: Decoded<ScannedObject> = .absent
        let data = try scanner.decodeObject(DataKey.self) { scanner, _ throws(JSONScanner.Malformed) in
            object = try ScannedObject.read(&scanner)
        }
        switch data {
        case .absent: return .absent
        case .refused: return .refused
        case .value: return .value(object)
        }
    }

    /// The event, checked as `JSONDecoder` checked it: an object with string `object` (`"event"`), `id`
    /// and `type`, integer `created` and boolean `livemode`; `data.object` only for acted-on types.
    func billingEvent(_ scanner: JSONScanner) throws(BillingCoreError) -> BillingEvent {
        switch read {
        case .read: break
        case .notAnObject: throw BillingCoreError(.undecodableEvent, "the payload is not a JSON object")
        case .undecodableKey:
            throw BillingCoreError(.undecodableEvent, "the payload has a key that is not valid Unicode")
        }
        guard scanner.equals(try self.object.required("object"), "event") else {
            throw BillingCoreError(.undecodableEvent, "object is not \"event\"")
        }
        let id = scanner.text(of: try self.id.required("id"))
        let type = scanner.text(of: try self.type.required("type"))
        let created = try self.created.required("created")
        let livemode = try self.livemode.required("livemode")
        let kind: BillingEvent.Kind
        if let actedOn = ActedOnEventType(rawValue: type) {
            let object: ScannedObject
            switch data {
            case .absent: throw BillingCoreError(.undecodableEvent, "data is missing or null")
            case .refused: throw BillingCoreError(.undecodableEvent, "data has the wrong type")
            case .value(let read): object = try read.required("data.object")
            }
            kind = try object.kind(actedOn, scanner)
        } else {
            kind = .ignored
        }
        return BillingEvent(id: id, type: type, created: created, livemode: livemode, kind: kind)
    }
}

extension JSONScanner.Decoded {
    /// The value of a required property: `JSONDecoder` refused a missing or `null` one too.
    /// - Parameter path: The member's path in the event, for the error message (never a value).
    func required(_ path: StaticString) throws(BillingCoreError) -> Value {
        switch self {
        case .value(let value): return value
        case .absent: throw BillingCoreError(.undecodableEvent, "\(path) is missing or null")
        case .refused: throw BillingCoreError(.undecodableEvent, "\(path) has the wrong type")
        }
    }

    /// The value of an optional property, `nil` when missing or `null`.
    func optional(_ path: StaticString) throws(BillingCoreError) -> Value? {
        switch self {
        case .value(let value): return value
        case .absent: return nil
        case .refused: throw BillingCoreError(.undecodableEvent, "\(path) has the wrong type")
        }
    }
}

private enum EventKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case id, object, type, created, livemode, data

    var name: StaticString {
        switch self {
        case .id: "id"
        case .object: "object"
        case .type: "type"
        case .created: "created"
        case .livemode: "livemode"
        case .data: "data"
        }
    }
}

private enum DataKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case object

    var name: StaticString { "object" }
}
