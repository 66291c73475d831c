/// Strings: the part of ``JSONScanner`` that checks them (escapes, surrogates, UTF-8) and turns them
/// into Swift text.
extension JSONScanner {
    /// Whether `bytes` are well-formed UTF-8 without a NUL byte, as every JSON text is: checked on its
    /// own once a scan has failed, to tell a body that is not UTF-8 from one that is not JSON.
    static func isUTF8WithoutNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.position = 0   // a byte order mark is UTF-8 too
        while scanner.position < bytes.count {
            switch bytes[scanner.position] {
            case 0x00: return false
            case 0x01..<0x80: scanner.position += 1
            default:
                do { try scanner.scanMultibyteScalar() } catch { return false }
            }
        }
        return true
    }

    /// A string, the cursor on its opening quote.
    mutating func scanString() throws(Malformed) -> StringToken {
        position += 1
        let start = position
        var hasEscapes = false
        var isDecodable = true
        while true {
            skipPlainASCII()
            guard position < bytes.count else { throw Malformed() }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return StringToken(range: start..<(position - 1), hasEscapes: hasEscapes, isDecodable: isDecodable)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                guard let unit = try scanEscape() else { continue }
                if UTF16.isLeadSurrogate(unit) {
                    // Paired only by a trail surrogate escape right after it.
                    let followedByEscape = position + 1 < bytes.count
                        && bytes[position] == UInt8(ascii: "\\") && bytes[position + 1] == UInt8(ascii: "u")
                    if !followedByEscape {
                        isDecodable = false
                    } else if let next = try scanEscape(), !UTF16.isTrailSurrogate(next) {
                        isDecodable = false
                    }
                } else if UTF16.isTrailSurrogate(unit) {
                    isDecodable = false
                }
            } else if byte < 0x20 {
                throw Malformed()
            } else {
                try scanMultibyteScalar()
            }
        }
    }

    /// Moves over plain ASCII string content: no quote, backslash, control character or byte of a
    /// multi-byte scalar. Eight bytes at a time while it can (most of a body is such content), then
    /// byte by byte.
    private mutating func skipPlainASCII() {
        var index = position
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            while bytes.count - index >= 8 {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // A byte's high bit ends up set where it is 0 (in `quote`, `backslash`), below 0x20 (the
                // subtraction borrows) or at least 0x80; a borrow only sets more bits above such a byte.
                let flagged = (quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- ones &* 0x20) | word
                guard flagged & (ones &* 0x80) == 0 else { break }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
            index += 1
        }
        position = index
    }

    /// An escape, the cursor on its backslash: the code unit of a `\uXXXX` escape, `nil` for the others.
    private mutating func scanEscape() throws(Malformed) -> UInt16? {
        guard position + 1 < bytes.count else { throw Malformed() }
        switch bytes[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
            return nil
        case UInt8(ascii: "u"):
            guard position + 5 < bytes.count, let unit = Self.hexCodeUnit(bytes, at: position + 2) else { throw Malformed() }
            position += 6
            return unit
        default:
            throw Malformed()
        }
    }

    /// A well-formed UTF-8 sequence of two to four bytes (Unicode Table 3-7: no overlong forms,
    /// surrogates or values above U+10FFFF), the cursor on its lead byte.
    private mutating func scanMultibyteScalar() throws(Malformed) {
        let lead = bytes[position]
        let trailing: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: trailing = 1
        case 0xE0: trailing = 2; second = 0xA0...0xBF
        case 0xED: trailing = 2; second = 0x80...0x9F
        case 0xE1...0xEF: trailing = 2
        case 0xF0: trailing = 3; second = 0x90...0xBF
        case 0xF4: trailing = 3; second = 0x80...0x8F
        case 0xF1...0xF3: trailing = 3
        default: throw Malformed()
        }
        guard position + trailing < bytes.count, second.contains(bytes[position + 1]) else { throw Malformed() }
        var offset = 2
        while offset <= trailing {
            guard (0x80...0xBF).contains(bytes[position + offset]) else { throw Malformed() }
            offset += 1
        }
        position += trailing + 1
    }

    // MARK: - Text

    /// The text of a decodable string token.
    func text(of token: StringToken) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.range])
        guard token.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        // Unescaping never lengthens the text: `\n` is 1 byte for 2, `\uXXXX` at most 3 for 6,
        // a surrogate pair 4 for 12.
        return String(unsafeUninitializedCapacity: raw.count) { buffer in
            var count = 0
            unescape(token) { byte in
                guard count < buffer.count else { return }
                buffer[count] = byte
                count += 1
            }
            return count
        }
    }

    /// Calls `body` with each UTF-8 byte of a scanned string's text, its escapes resolved (a lone
    /// surrogate as U+FFFD, which only key comparison ever sees).
    func unescape(_ token: StringToken, _ body: (UInt8) -> Void) {
        var index = token.range.lowerBound
        while index < token.range.upperBound {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                body(byte)
                index += 1
                continue
            }
            let escaped = bytes[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): body(0x08)
            case UInt8(ascii: "f"): body(0x0C)
            case UInt8(ascii: "n"): body(0x0A)
            case UInt8(ascii: "r"): body(0x0D)
            case UInt8(ascii: "t"): body(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(Self.hexCodeUnit(bytes, at: index) ?? 0xFFFD)
                index += 4
                if UTF16.isLeadSurrogate(UInt16(scalar)), index + 5 < token.range.upperBound,
                   bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                   let trail = Self.hexCodeUnit(bytes, at: index + 2), UTF16.isTrailSurrogate(trail) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(trail) - 0xDC00)
                    index += 6
                }
                for unit in (Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8 { body(unit) }
            default: body(escaped)  // `"`, `\` and `/` stand for themselves
            }
        }
    }

    /// The four hex digits at `index` as a UTF-16 code unit.
    private static func hexCodeUnit(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt16? {
        var unit: UInt16 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }
}
