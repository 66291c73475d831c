import BillingCore

/// A top-level JSON value read in one validating ``JSONScanner`` pass, with what a Stripe list of
/// events (`{"object":"list","data":[…],"has_more":…}`) holds: an exported file (`ingest`) or a page
/// of `GET /v1/events` (`reconcile`'s back-fill) — or, for `ingest`, a single event.
///
/// Each element of `data` is kept as its byte range, so that it can be stored exactly as it was
/// received, without a decode/re-encode round trip that could change numbers or key order, together
/// with its envelope, decoded in the same pass: no element is read twice. Of duplicate members the
/// first counts, as everywhere in ``JSONScanner``.
public struct StripeList: Sendable, Hashable {
    /// One element of `data`.
    public struct Element: Sendable, Hashable {
        /// The element's bytes in the body.
        public var range: Range<Int>
        /// The element's `id`, when it is an object whose `id` is a string.
        public var id: String?
        /// The element read as a Stripe event: what `EventEnvelope(decoding:)` answers for its bytes.
        public var event: Result<EventEnvelope, BillingCoreError>
    }

    /// Whether the body is a JSON object (the other members are then `nil`).
    public var isObject: Bool
    /// The top-level `object` member, when it is a string (`"list"` for a list, `"event"` for an event).
    public var object: String?
    /// The elements of the top-level `data` member, when it is an array.
    public var data: [Element]?
    /// The top-level `has_more` member, when it is a boolean.
    public var hasMore: Bool?
    /// For an object that is not a list (`object` is not `"list"`): the body read as one Stripe event,
    /// what `EventEnvelope(decoding:)` answers for it. `nil` for a list and for other JSON values.
    public var event: Result<EventEnvelope, BillingCoreError>?

    /// Reads `body`; `nil` when it is not JSON text (RFC 8259, UTF-8, an optional byte order mark).
    public static func read(_ body: [UInt8]) -> StripeList? {
        body.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            var list = StripeList(isObject: false)
            // The members of a list and those of an event, read together: the body is either.
            var wire = WireEvent()
            let ending: JSONScanner.ObjectRead
            do {
                ending = try scanner.readObject(ListKey.self) { scanner, key throws(JSONScanner.Malformed) in
                    switch key {
                    case .object:
                        list.object = try scanner.string()
                        wire.object = list.object
                    case .hasMore: list.hasMore = try scanner.bool()
                    case .data:
                        if try scanner.valueByte() == UInt8(ascii: "[") {
                            list.data = try readElements(&scanner)
                        } else {
                            wire.dataObject = try WireObject.readData(&scanner)
                        }
                    case .id: try wire.readMember(.id, &scanner)
                    case .type: try wire.readMember(.type, &scanner)
                    case .created: try wire.readMember(.created, &scanner)
                    case .apiVersion: try wire.readMember(.apiVersion, &scanner)
                    case .livemode: try wire.readMember(.livemode, &scanner)
                    }
                }
                try scanner.finish()
            } catch {
                return nil
            }
            guard ending != .notAnObject else { return list }
            list.isObject = true
            if list.object != "list" { list.event = EventEnvelope.validated(wire, ending) }
            return list
        }
    }

    /// The elements of the array at the cursor, each with its range, string `id` and envelope.
    private static func readElements(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> [Element] {
        var elements: [Element] = []
        _ = try scanner.readArray { scanner throws(JSONScanner.Malformed) in
            _ = try scanner.valueByte()   // skips the whitespace before the element
            let start = scanner.position
            let (wire, ending) = try WireEvent.read(&scanner)
            elements.append(Element(range: start..<scanner.position, id: wire.id,
                                    event: EventEnvelope.validated(wire, ending)))
        }
        return elements
    }
}

/// The top-level members of a list and of an event.
private enum ListKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case object, data, hasMore, id, type, created, apiVersion, livemode

    var name: StaticString {
        switch self {
        case .object: "object"
        case .data: "data"
        case .hasMore: "has_more"
        case .id: "id"
        case .type: "type"
        case .created: "created"
        case .apiVersion: "api_version"
        case .livemode: "livemode"
        }
    }
}
