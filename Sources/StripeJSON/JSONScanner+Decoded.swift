import BillingCore

/// Reads of ``JSONScanner`` that answer as Foundation's `JSONDecoder` decodes one `Decodable` property,
/// for the stored-event decoder (`BillingEvent+Scanning.swift`), which replaced `JSONDecoder` there.
///
/// Each read consumes one whole value and says whether it is absent (`null`; a missing member never gets
/// here), a value, or refused, where `JSONDecoder` would throw: the caller decides what refused and
/// absent mean for its property (a required property refuses both). Strings stay tokens until the caller
/// knows it needs their text.
///
/// Objects are read with ``readObject(_:_:)``, which tracks nesting. Arrays and string maps are walked
/// here instead, so each is first checked whole with ``skipValue()`` on a copy of the scanner (nesting
/// included; it costs a second pass over those values only), then walked; the walk ends where the copy
/// did, so nesting stays exact.
extension JSONScanner {
    /// What one read found.
    enum Decoded<Value> {
        /// `null` (or a missing member): `nil` for an optional property, an error for a required one.
        case absent
        case value(Value)
        /// A value `JSONDecoder` refuses for the property's type.
        case refused
    }

    /// The first byte of the value at the cursor, after whitespace; nothing of the value is consumed.
    mutating func valueByte() throws(Malformed) -> UInt8 {
        _ = try isAtString()   // skips whitespace, throws at the end of the text
        return bytes[position]
    }

    /// `String`: refused for another kind of value and for a string no Swift `String` holds (a lone
    /// surrogate escape).
    mutating func decodeString() throws(Malformed) -> Decoded<StringToken> {
        switch try valueByte() {
        case UInt8(ascii: "\""):
            let token = try scanString()
            return token.isDecodable ? .value(token) : .refused
        case UInt8(ascii: "n"):
            try skipValue()
            return .absent
        default:
            try skipValue()
            return .refused
        }
    }

    /// `Int64`, by `JSONDecoder`'s rules (``int64()``): refused for a fraction, a number out of range or
    /// another kind of value.
    mutating func decodeInt64() throws(Malformed) -> Decoded<Int64> {
        if try valueByte() == UInt8(ascii: "n") {
            try skipValue()
            return .absent
        }
        return try int64().map(Decoded.value) ?? .refused
    }

    /// `Bool`: only `true` and `false`.
    mutating func decodeBool() throws(Malformed) -> Decoded<Bool> {
        if try valueByte() == UInt8(ascii: "n") {
            try skipValue()
            return .absent
        }
        return try bool().map(Decoded.value) ?? .refused
    }

    /// A `Decodable` struct: ``readObject(_:_:)`` with `member` getting the keys it reads. Refused for
    /// another kind of value, and for an object with a key that is no Swift `String` (`JSONDecoder` turns
    /// every key of an object it decodes into one).
    mutating func decodeObject<Key: JSONMemberKey>(
        _ keys: Key.Type, _ member: (inout JSONScanner, Key) throws(Malformed) -> Void
    ) throws(Malformed) -> Decoded<Void> {
        if try valueByte() == UInt8(ascii: "n") {
            try skipValue()
            return .absent
        }
        return try readObject(keys, member) == .read ? .value(()) : .refused
    }

    /// A Stripe expandable reference: an id string, or the expanded object with a string `id`.
    mutating func decodeReference() throws(Malformed) -> Decoded<StringToken> {
        guard try valueByte() == UInt8(ascii: "{") else { return try decodeString() }
        var id: Decoded<StringToken> = .absent
        let object = try readObject(ReferenceKey.self) { scanner, _ throws(Malformed) in
            id = try scanner.decodeString()
        }
        guard object == .read, case .value = id else { return .refused }
        return id
    }

    /// `[Element]`: each element is read by `element`, which consumes it and returns false to refuse
    /// it (the rest of the array is then skipped).
    mutating func decodeArray(
        _ element: (inout JSONScanner) throws(Malformed) -> Bool
    ) throws(Malformed) -> Decoded<Void> {
        let end = try checkedEnd()
        switch bytes[position] {
        case UInt8(ascii: "["): position += 1
        case UInt8(ascii: "n"): self = end; return .absent
        default: self = end; return .refused
        }
        if try valueByte() == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                guard try element(&self) else {
                    self = end
                    return .refused
                }
                let next = try valueByte()
                position += 1
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else { throw Malformed() }
            }
        }
        guard position == end.position else { throw Malformed() }
        self = end
        return .value(())
    }

    /// `[String: String]`, and the value of its member `key`. `JSONDecoder` keeps the first of
    /// duplicate keys (compared as Swift strings, so canonically equivalent keys are duplicates) and
    /// decodes only that one's value: every key must be a Swift `String`, and each key's first value a
    /// string, while the values of later duplicates may be anything.
    /// - Parameter key: An ASCII key (ASCII text is canonically equivalent to itself only).
    mutating func decodeStringMap(member key: StaticString) throws(Malformed) -> Decoded<StringToken?> {
        let end = try checkedEnd()
        switch bytes[position] {
        case UInt8(ascii: "{"): break
        case UInt8(ascii: "n"): self = end; return .absent
        default: self = end; return .refused
        }
        let firstMember = position + 1
        position += 1
        var found: StringToken?
        /// The keys so far, only once a value that is not a string makes them matter.
        var keys: Set<String>?
        if try valueByte() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                _ = try valueByte()
                let memberStart = position   // on the key's opening quote, as `memberNames` compares
                let name = try memberName()
                guard name.isDecodable else {
                    self = end
                    return .refused
                }
                var value: StringToken?
                if try isAtString() {
                    let token = try scanString()
                    value = token.isDecodable ? token : nil
                } else {
                    try skipValue()
                }
                if value == nil || keys != nil {
                    if keys == nil { keys = try memberNames(from: firstMember, to: memberStart) }
                    let isFirst = keys?.insert(text(of: name)).inserted ?? true
                    if isFirst && value == nil {
                        self = end
                        return .refused
                    }
                }
                if found == nil, let value, equals(name, key) { found = value }
                let next = try valueByte()
                position += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw Malformed() }
            }
        }
        guard position == end.position else { throw Malformed() }
        self = end
        return .value(found)
    }

    // MARK: - Walking checked values

    /// The scanner after the value at the cursor, which this checks whole; the cursor is left on the
    /// value's first byte.
    private mutating func checkedEnd() throws(Malformed) -> JSONScanner {
        _ = try valueByte()
        var end = self
        try end.skipValue()
        return end
    }

    /// `"name" :` in an object already checked, leaving the cursor on the member's value.
    private mutating func memberName() throws(Malformed) -> StringToken {
        guard try isAtString() else { throw Malformed() }
        let name = try scanString()
        guard try valueByte() == UInt8(ascii: ":") else { throw Malformed() }
        position += 1
        return name
    }

    /// The keys of the members of a checked object from `start` (just inside its brace) up to the
    /// member whose key starts at `end`, as text.
    private func memberNames(from start: Int, to end: Int) throws(Malformed) -> Set<String> {
        var walker = self
        walker.position = start
        _ = try walker.valueByte()
        var names: Set<String> = []
        while walker.position < end {
            let name = try walker.memberName()
            names.insert(walker.text(of: name))
            try walker.skipValue()
            guard try walker.valueByte() == UInt8(ascii: ",") else { throw Malformed() }
            walker.position += 1
            _ = try walker.valueByte()
        }
        return names
    }
}

/// The one member an expanded reference is read by.
private enum ReferenceKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case id

    var name: StaticString { "id" }
}
