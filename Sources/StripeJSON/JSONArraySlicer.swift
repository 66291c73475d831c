/// Finds the byte ranges of the elements of one array member of a top-level JSON object, so that
/// each element (a Stripe event inside a list object) can be validated and stored exactly as it
/// was received, without a decode/re-encode round trip that could change numbers or key order.
///
/// The input must already be known to be valid JSON (check it first, e.g. with
/// `JSONSerialization`); on malformed input the result is `nil`, never a crash.
public enum JSONArraySlicer {
    /// The element ranges of `bytes[key]`, where `bytes` is a JSON object and `key` names an array.
    /// - Returns: `nil` when the top level is not an object, the member is missing, or it is not an array.
    public static func elements(ofMember key: String, in bytes: [UInt8]) -> [Range<Int>]? {
        var scanner = Scanner(bytes: bytes)
        return scanner.elements(ofMember: Array(key.utf8))
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark is not JSON, but exported files sometimes carry one.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        }

        mutating func elements(ofMember key: [UInt8]) -> [Range<Int>]? {
            skipWhitespace()
            guard consume(UInt8(ascii: "{")) else { return nil }
            while true {
                skipWhitespace()
                if consume(UInt8(ascii: "}")) { return nil }
                guard let name = string() else { return nil }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                if bytes[name].elementsEqual(key) {
                    return array()
                }
                guard skipValue() else { return nil }
                skipWhitespace()
                _ = consume(UInt8(ascii: ","))
            }
        }

        /// At `[`: the ranges of its elements.
        private mutating func array() -> [Range<Int>]? {
            guard consume(UInt8(ascii: "[")) else { return nil }
            var ranges: [Range<Int>] = []
            while true {
                skipWhitespace()
                if consume(UInt8(ascii: "]")) { return ranges }
                let start = i
                guard skipValue() else { return nil }
                ranges.append(start..<i)
                skipWhitespace()
                if !consume(UInt8(ascii: ",")) {
                    skipWhitespace()
                    return consume(UInt8(ascii: "]")) ? ranges : nil
                }
            }
        }

        /// At `"`: the range of the string's raw content; moves past the closing quote.
        private mutating func string() -> Range<Int>? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\\"): i += 2
                case UInt8(ascii: "\""): i += 1; return start..<(i - 1)
                default: i += 1
                }
            }
            return nil
        }

        /// Skips one value of any kind.
        private mutating func skipValue() -> Bool {
            guard i < bytes.count else { return false }
            switch bytes[i] {
            case UInt8(ascii: "\""):
                return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < bytes.count {
                    switch bytes[i] {
                    case UInt8(ascii: "\""):
                        guard string() != nil else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    default: break
                    }
                    i += 1
                }
                return false
            default:
                let start = i
                while i < bytes.count, !Self.delimiters.contains(bytes[i]) { i += 1 }
                return i > start
            }
        }

        private mutating func skipWhitespace() {
            while i < bytes.count, Self.whitespace.contains(bytes[i]) { i += 1 }
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        private static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        private static let delimiters: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")]
    }
}
