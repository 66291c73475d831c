/// A top-level JSON value read in one validating ``JSONScanner`` pass, with what a Stripe list object
/// (`{"object":"list","data":[…],"has_more":…}`) holds: an exported file (`ingest`) or a page of a
/// list endpoint (`reconcile`'s back-fill).
///
/// Each element of `data` is kept as its byte range, so that it can be stored exactly as it was
/// received, without a decode/re-encode round trip that could change numbers or key order.
/// Of duplicate members the first counts, as everywhere in ``JSONScanner``.
public struct StripeList: Sendable, Hashable {
    /// One element of `data`.
    public struct Element: Sendable, Hashable {
        /// The element's bytes in the body.
        public var range: Range<Int>
        /// The element's `id`, when it is an object whose `id` is a string.
        public var id: String?
    }

    /// Whether the body is a JSON object (the other members are then `nil`).
    public var isObject: Bool
    /// The top-level `object` member, when it is a string (`"list"` for a list, `"event"` for an event).
    public var object: String?
    /// The elements of the top-level `data` member, when it is an array.
    public var data: [Element]?
    /// The top-level `has_more` member, when it is a boolean.
    public var hasMore: Bool?

    /// Reads `body`; `nil` when it is not JSON text (RFC 8259, UTF-8, an optional byte order mark).
    public static func read(_ body: [UInt8]) -> StripeList? {
        body.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            var list = StripeList(isObject: false)
            do {
                let read = try scanner.readObject(ListKey.self) { scanner, key throws(JSONScanner.Malformed) in
                    switch key {
                    case .object: list.object = try scanner.string()
                    case .hasMore: list.hasMore = try scanner.bool()
                    case .data: list.data = try readElements(&scanner)
                    }
                }
                try scanner.finish()
                list.isObject = read != .notAnObject
            } catch {
                return nil
            }
            if !list.isObject { list = StripeList(isObject: false) }
            return list
        }
    }

    /// The elements of the array at the cursor, each with its range and string `id`; `nil` (the value
    /// skipped) for another kind of value.
    private static func readElements(_ scanner: inout JSONScanner) throws(JSONScanner.Malformed) -> [Element]? {
        var elements: [Element] = []
        let array = try scanner.decodeArray { scanner throws(JSONScanner.Malformed) in
            _ = try scanner.valueByte()   // skips the whitespace before the element
            let start = scanner.position
            var id: String?
            _ = try scanner.readObject(ElementKey.self) { scanner, _ throws(JSONScanner.Malformed) in
                id = try scanner.string()
            }
            elements.append(Element(range: start..<scanner.position, id: id))
            return true
        }
        guard case .value = array else { return nil }
        return elements
    }
}

private enum ListKey: Int, JSONMemberKey {
    case object, data, hasMore

    var name: StaticString {
        switch self {
        case .object: "object"
        case .data: "data"
        case .hasMore: "has_more"
        }
    }
}

private enum ElementKey: Int, JSONMemberKey {
    case id
    var name: StaticString { "id" }
}
