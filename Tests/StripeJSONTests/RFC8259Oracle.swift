@testable import StripeJSON
/// A deliberately plain RFC 8259 validator, independent of `JSONScanner`: it splits the text into
/// tokens first, then checks the grammar over them with an explicit stack. Simple rather than fast;
/// `EnvelopeDifferentialTests` uses it to confirm that a body the scanner refuses while Foundation's
/// `JSONDecoder` accepted it is really not JSON. A leading UTF-8 byte order mark is ignored, as RFC
/// 8259 §8.1 allows and both decoders do; nesting deeper than 512 is refused.
enum RFC8259Oracle {
    static func isJSON(_ bytes: [UInt8]) -> Bool {
        // Decoding repairs ill-formed UTF-8, so the bytes survive the round trip only when well formed.
        guard Array(String(decoding: bytes, as: UTF8.self).utf8) == bytes, let tokens = tokens(bytes) else { return false }
        return isGrammatical(tokens)
    }

    private enum Token: Equatable {
        case punctuation(UInt8)
        case string
        case scalar
    }

    private static func tokens(_ text: [UInt8]) -> [Token]? {
        var tokens: [Token] = []
        var i = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        func at(_ k: Int) -> UInt8? { k < text.count ? text[k] : nil }
        func isDigit(_ c: UInt8?) -> Bool { c.map { (0x30...0x39).contains($0) } ?? false }
        func digits() -> Bool {
            let start = i
            while isDigit(at(i)) { i += 1 }
            return i > start
        }
        while let c = at(i) {
            switch Unicode.Scalar(c) {
            case " ", "\t", "\n", "\r":
                i += 1
            case "{", "}", "[", "]", ":", ",":
                tokens.append(.punctuation(c))
                i += 1
            case "\"":
                i += 1
                while true {
                    guard let s = at(i), s >= 0x20 else { return nil }
                    i += 1
                    if s == UInt8(ascii: "\"") { break }
                    guard s == UInt8(ascii: "\\") else { continue }
                    guard let e = at(i) else { return nil }
                    i += 1
                    if Array(#""\/bfnrt"#.utf8).contains(e) { continue }
                    guard e == UInt8(ascii: "u"), i + 4 <= text.count,
                          text[i..<(i + 4)].allSatisfy({ Unicode.Scalar($0).properties.isASCIIHexDigit })
                    else { return nil }
                    i += 4
                }
                tokens.append(.string)
            case "t", "f", "n":
                let word = Array((c == UInt8(ascii: "t") ? "true" : c == UInt8(ascii: "f") ? "false" : "null").utf8)
                guard text[i...].starts(with: word) else { return nil }
                i += word.count
                tokens.append(.scalar)
            case "-", "0"..."9":
                if c == UInt8(ascii: "-") { i += 1 }
                if at(i) == UInt8(ascii: "0") { i += 1 } else if !digits() { return nil }
                if at(i) == UInt8(ascii: ".") {
                    i += 1
                    guard digits() else { return nil }
                }
                if at(i) == UInt8(ascii: "e") || at(i) == UInt8(ascii: "E") {
                    i += 1
                    if at(i) == UInt8(ascii: "+") || at(i) == UInt8(ascii: "-") { i += 1 }
                    guard digits() else { return nil }
                }
                tokens.append(.scalar)
            default:
                return nil
            }
        }
        return tokens
    }

    private enum Expecting { case value, valueOrClose, keyOrClose, key, colon, commaOrClose, end }

    private static func isGrammatical(_ tokens: [Token]) -> Bool {
        let (openObject, closeObject) = (UInt8(ascii: "{"), UInt8(ascii: "}"))
        let (openArray, closeArray) = (UInt8(ascii: "["), UInt8(ascii: "]"))
        var open: [UInt8] = []
        var expecting = Expecting.value
        func valueEnded() { expecting = open.isEmpty ? .end : .commaOrClose }
        for token in tokens {
            switch (expecting, token) {
            case (.value, .string), (.value, .scalar), (.valueOrClose, .string), (.valueOrClose, .scalar):
                valueEnded()
            case (.value, .punctuation(let p)) where p == openObject || p == openArray,
                 (.valueOrClose, .punctuation(let p)) where p == openObject || p == openArray:
                open.append(p)
                guard open.count <= 512 else { return false }
                expecting = p == openObject ? .keyOrClose : .valueOrClose
            case (.valueOrClose, .punctuation(closeArray)), (.keyOrClose, .punctuation(closeObject)):
                open.removeLast()
                valueEnded()
            case (.keyOrClose, .string), (.key, .string):
                expecting = .colon
            case (.colon, .punctuation(UInt8(ascii: ":"))):
                expecting = .value
            case (.commaOrClose, .punctuation(UInt8(ascii: ","))):
                expecting = open.last == openObject ? .key : .value
            case (.commaOrClose, .punctuation(let p)) where (p == closeObject && open.last == openObject) || (p == closeArray && open.last == openArray):
                open.removeLast()
                valueEnded()
            default:
                return false
            }
        }
        return expecting == .end
    }
}
