#if canImport(Glibc)
import Glibc
#endif

/// A validating, single-pass reader of JSON text (RFC 8259) in UTF-8, for ``EventEnvelope``.
///
/// Why: ingest decodes the envelope of every delivery, and Foundation's `JSONDecoder` (which maps the
/// whole body, then decodes through `Codable`) cost about a quarter of the service's CPU per delivery.
/// This scanner reads the body once, front to back, and allocates nothing but the strings a caller
/// asks for: the caller pulls the members it wants (``readObject(_:_:)``, ``string()``, ``int64()``,
/// ``bool()``) and ``skipValue()`` checks everything else without keeping it.
///
/// It accepts exactly RFC 8259 JSON text, plus a leading UTF-8 byte order mark (§8.1 lets a parser
/// ignore one, and Foundation did): strings of well-formed UTF-8 without raw control characters and
/// with valid escapes only, numbers in the RFC's grammar, nothing after the value but whitespace.
/// Containers nest at most ``maxDepth`` deep (Foundation's limit), tracked without recursion, so
/// hostile input can neither exhaust the stack nor trap: every violation throws ``Malformed``.
///
/// Where the envelope depends on them, reads follow `JSONDecoder`: a string holding a lone surrogate
/// escape (`"\uD800"`) is valid JSON but no Swift `String`, so it reads as `nil`
/// (`JSONScanner+Strings.swift`); integers follow Foundation's rules (`JSONScanner+Integer.swift`).
struct JSONScanner {
    /// The text is not JSON, or nests deeper than ``maxDepth``.
    struct Malformed: Error {}

    /// A string's content (between its quotes) in the scanned bytes.
    struct StringToken {
        let range: Range<Int>
        let hasEscapes: Bool
        /// False when an escape leaves a surrogate unpaired: no Swift `String` holds that.
        let isDecodable: Bool
    }

    /// The deepest nesting of objects and arrays accepted: `JSONDecoder`'s limit.
    static let maxDepth = 512

    // Internal, not private, only for the scanner's extensions in other files.
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    /// Objects and arrays open at the cursor.
    private var depth = 0
    /// Set by `readObject` until its first member, so that `nextKey()` knows whether a comma is due.
    private var atFirstMember = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        let hasByteOrderMark = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        position = hasByteOrderMark ? 3 : 0
    }

    /// Checks that nothing but whitespace follows the value read.
    mutating func finish() throws(Malformed) {
        skipWhitespace()
        guard position == bytes.count else { throw Malformed() }
    }

    // MARK: - Reading values (each consumes one whole value, of any kind)

    /// How reading an object ended.
    enum ObjectRead { case read, notAnObject, undecodableKey }

    /// Reads the object at the cursor as a `JSONDecoder` keyed container sees it: `member` gets each key
    /// of `Key` at its first occurrence (later duplicates are ignored), with the cursor on its value,
    /// which it must consume; every other member is skipped.
    /// - Returns: `.notAnObject` (the value skipped) for another kind of value, `.undecodableKey` when a
    ///   key is no Swift `String` (a lone surrogate escape), which makes `JSONDecoder` refuse the object.
    mutating func readObject<Key: JSONMemberKey>(
        _: Key.Type, _ member: (inout JSONScanner, Key) throws(Malformed) -> Void
    ) throws(Malformed) -> ObjectRead {
        guard try peek() == UInt8(ascii: "{") else {
            try skipValue()
            return .notAnObject
        }
        position += 1
        try enterContainer()
        atFirstMember = true
        var seen: UInt64 = 0
        var allKeysDecodable = true
        while let key = try nextKey() {
            allKeysDecodable = allKeysDecodable && key.isDecodable
            if let wanted = self.key(key, Key.self), seen & (1 << wanted.rawValue) == 0 {
                seen |= 1 << wanted.rawValue
                try member(&self, wanted)
            } else {
                try skipValue()
            }
        }
        return allKeysDecodable ? .read : .undecodableKey
    }

    /// Reads the array at the cursor in the same pass as the rest: `element` gets the cursor on each
    /// element, which it must consume whole (checking it, as every read here does).
    /// - Returns: false (the value skipped) for another kind of value.
    mutating func readArray(_ element: (inout JSONScanner) throws(Malformed) -> Void) throws(Malformed) -> Bool {
        guard try peek() == UInt8(ascii: "[") else {
            try skipValue()
            return false
        }
        position += 1
        try enterContainer()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return true
        }
        while true {
            try element(&self)
            skipWhitespace()
            guard position < bytes.count else { throw Malformed() }
            let next = bytes[position]
            position += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else { throw Malformed() }
        }
        depth -= 1
        return true
    }

    /// Whether the value at the cursor is a string (nothing is consumed).
    mutating func isAtString() throws(Malformed) -> Bool {
        try peek() == UInt8(ascii: "\"")
    }

    /// The string at the cursor; `nil` for another kind of value or an undecodable string.
    mutating func string() throws(Malformed) -> String? {
        guard try peek() == UInt8(ascii: "\"") else {
            try skipValue()
            return nil
        }
        let token = try scanString()
        return token.isDecodable ? text(of: token) : nil
    }

    /// The boolean at the cursor; `nil` for another kind of value.
    mutating func bool() throws(Malformed) -> Bool? {
        let first = try peek()
        try skipValue()
        switch first {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// The number at the cursor as `JSONDecoder` reads an `Int64`; `nil` for another kind of value or
    /// a number it does not read as one (a fraction, out of range).
    mutating func int64() throws(Malformed) -> Int64? {
        let first = try peek()
        guard first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            try skipValue()
            return nil
        }
        let start = position
        try scanNumber()
        return Self.int64(fromJSONNumber: UnsafeBufferPointer(rebasing: bytes[start..<position]))
    }

    /// Skips the value at the cursor, checking all of it. Open containers are kept as one bit each
    /// (object or array) in `ContainerKinds`, not on the call stack.
    mutating func skipValue() throws(Malformed) {
        let base = depth
        var kinds = ContainerKinds()
        nextValue: while true {
            switch try peek() {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[position] == UInt8(ascii: "{")
                position += 1
                try enterContainer()
                kinds[depth - base - 1] = isObject
                skipWhitespace()
                if position < bytes.count, bytes[position] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    position += 1
                    depth -= 1
                } else {
                    if isObject { _ = try scanMemberName() }
                    continue nextValue
                }
            case UInt8(ascii: "\""): _ = try scanString()
            case UInt8(ascii: "t"): try scanLiteral("true")
            case UInt8(ascii: "f"): try scanLiteral("false")
            case UInt8(ascii: "n"): try scanLiteral("null")
            default: try scanNumber()
            }
            // After a value: close the containers it ends, or go on to the next element or member.
            while depth > base {
                skipWhitespace()
                guard position < bytes.count else { throw Malformed() }
                let isObject = kinds[depth - base - 1]
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    if isObject { _ = try scanMemberName() }
                    continue nextValue
                }
                guard bytes[position] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw Malformed() }
                position += 1
                depth -= 1
            }
            return
        }
    }

    // MARK: - Objects

    /// The next member's key, with the cursor on its value; `nil` past the object's closing brace.
    private mutating func nextKey() throws(Malformed) -> StringToken? {
        skipWhitespace()
        guard position < bytes.count else { throw Malformed() }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            atFirstMember = false
            return nil
        }
        if !atFirstMember {
            guard bytes[position] == UInt8(ascii: ",") else { throw Malformed() }
            position += 1
        }
        atFirstMember = false
        return try scanMemberName()
    }

    /// `"name" :`, leaving the cursor on the member's value.
    private mutating func scanMemberName() throws(Malformed) -> StringToken {
        guard try peek() == UInt8(ascii: "\"") else { throw Malformed() }
        let name = try scanString()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw Malformed() }
        position += 1
        return name
    }

    /// The member of `Key` that `token` names, compared after unescaping as `JSONDecoder` does.
    private func key<Key: JSONMemberKey>(_ token: StringToken, _: Key.Type) -> Key? {
        // Most names have no escape: compared byte for byte with the keys of their length only.
        if !token.hasEscapes { return Key.names.key(named: UnsafeBufferPointer(rebasing: bytes[token.range])) }
        var rawValue = 0
        while let candidate = Key(rawValue: rawValue) {
            if equals(token, candidate.name) { return candidate }
            rawValue += 1
        }
        return nil
    }

    /// Whether a string token's text (escapes resolved) is `name`, without building a `String`.
    func equals(_ token: StringToken, _ name: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        guard token.hasEscapes else {
            return token.range.count == expected.count && bytes[token.range].elementsEqual(expected)
        }
        var matched = 0
        var equal = true
        unescape(token) { byte in
            equal = equal && matched < expected.count && expected[matched] == byte
            matched += 1
        }
        return equal && matched == expected.count
    }

    private mutating func enterContainer() throws(Malformed) {
        depth += 1
        guard depth <= Self.maxDepth else { throw Malformed() }
    }

    // MARK: - Tokens

    private mutating func skipWhitespace() {
        var index = position   // a local, so that the loop does not store to `self` at each byte
        while index < bytes.count, bytes[index] <= 0x20 {
            guard bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 else { break }
            index += 1
        }
        position = index
    }

    /// The first byte of the value at the cursor, after whitespace.
    private mutating func peek() throws(Malformed) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw Malformed() }
        return bytes[position]
    }

    private mutating func scanLiteral(_ word: StaticString) throws(Malformed) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - position >= expected.count,
              bytes[position..<(position + expected.count)].elementsEqual(expected)
        else { throw Malformed() }
        position += expected.count
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func scanNumber() throws(Malformed) {
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            try scanDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            try scanDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try scanDigits()
        }
    }

    /// One or more digits.
    private mutating func scanDigits() throws(Malformed) {
        var index = position
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        guard index > position else { throw Malformed() }
        position = index
    }
}

/// Names the members of a JSON object that a reader of ``JSONScanner`` wants. Raw values run 0, 1,
/// 2, … without gaps (at most 64 keys).
protocol JSONMemberKey: RawRepresentable<Int> {
    /// The key as it appears in JSON.
    var name: StaticString { get }
    /// The keys grouped by length, made once per type: `static let names = JSONMemberNames<Self>()`.
    static var names: JSONMemberNames<Self> { get }
}

/// A ``JSONMemberKey`` type's names grouped by their length in bytes. A body's member names are
/// mostly ones the reader skips; each is compared with the few keys of its length (usually none),
/// not with every key of the type in turn.
struct JSONMemberNames<Key: JSONMemberKey>: Sendable {
    /// `byLength[n]`: the raw value and name of each key of `n` bytes.
    private let byLength: [[(rawValue: Int, name: StaticString)]]

    init() {
        var byLength: [[(rawValue: Int, name: StaticString)]] = []
        var rawValue = 0
        while let key = Key(rawValue: rawValue) {
            let length = key.name.utf8CodeUnitCount
            if byLength.count <= length { byLength += Array(repeating: [], count: length + 1 - byLength.count) }
            byLength[length].append((rawValue, key.name))
            rawValue += 1
        }
        self.byLength = byLength
    }

    /// The key whose name is exactly `raw` (a name without escapes), if any.
    func key(named raw: UnsafeBufferPointer<UInt8>) -> Key? {
        guard raw.count < byLength.count, let start = raw.baseAddress else { return nil }
        for candidate in byLength[raw.count] where memcmp(start, candidate.name.utf8Start, raw.count) == 0 {
            return Key(rawValue: candidate.rawValue)
        }
        return nil
    }
}

/// One bit per open container, set for an object: enough for ``JSONScanner/maxDepth`` levels
/// without allocating.
private struct ContainerKinds {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    subscript(level: Int) -> Bool {
        get {
            let word = withUnsafeBytes(of: words) { $0.load(fromByteOffset: level / 64 * 8, as: UInt64.self) }
            return word & (1 << (level % 64)) != 0
        }
        set {
            withUnsafeMutableBytes(of: &words) { raw in
                var word = raw.load(fromByteOffset: level / 64 * 8, as: UInt64.self)
                if newValue { word |= 1 << (level % 64) } else { word &= ~(1 << (level % 64)) }
                raw.storeBytes(of: word, toByteOffset: level / 64 * 8, as: UInt64.self)
            }
        }
    }
}
