@testable import BillingCore
@testable import StripeJSON
import Testing

/// `JSONScanner`: the validating single-pass reader behind `EventEnvelope(decoding:)`.
@Suite struct JSONScannerTests {
    /// Runs `read` on a scanner over `json`, then checks that nothing but whitespace follows.
    static func scan<T>(_ json: String, _ read: (inout JSONScanner) throws(JSONScanner.Malformed) -> T) -> T? {
        scan(Array(json.utf8), read)
    }

    static func scan<T>(_ bytes: [UInt8], _ read: (inout JSONScanner) throws(JSONScanner.Malformed) -> T) -> T? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            do {
                let value = try read(&scanner)
                try scanner.finish()
                return value
            } catch {
                return nil
            }
        }
    }

    static func isJSON(_ json: String) -> Bool {
        scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.skipValue() } != nil
    }

    // MARK: - Validation

    /// RFC 8259 texts of every kind are accepted.
    @Test(arguments: [
        "{}", "[]", " { } ", "\t\r\n[ ]\n", "0", "-0", "1.5e-3", "1E+2", "-12.0e0", "123456789012345678901234567890", "1e400",
        "true", "false", "null", #""""#, #""a\"\\\/\b\f\n\r\t\u00e9\u00E9\uD83D\uDE00""#, #""\uD800""#, "\"Kærlighed 日本 🎉\u{7F}\"",
        #"{"a":[1,{"b":null},"c",[]],"d":{"e":{}}}"#, #"[1,-2,3.25,true,false,null,"x",{"":""}]"#, "\u{FEFF}{}",
    ])
    func acceptsJSON(json: String) {
        #expect(Self.isJSON(json))
    }

    /// Anything else is refused: syntax errors, bad numbers, escapes and control characters, trailing bytes.
    @Test(arguments: [
        "", " ", "{", "}", "[", "[}", "{]", #"{"a" 1}"#, #"{"a":}"#, #"{1:2}"#, #"{"a":1,}"#, "[1,]", "[,1]", "[1 2]", "[1,,2]",
        "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e3", "0x1", "NaN", "Infinity", "-Infinity", "tru", "nul", "nulll", "True",
        #""\q""#, #""\u12G4""#, #""\u12""#, #""\"#, #""abc"#, "\"a\u{01}b\"", "\"a\tb\"", "\"a\nb\"", "'a'", "{a:1}", "/*c*/{}",
        "{} {}", "{} x", "1 2", "\u{0B}{}", "\u{0C}{}", "\u{A0}{}", " \u{FEFF}{}", "\u{FEFF}\u{FEFF}{}", "\u{FEFF}",
    ])
    func refusesNonJSON(json: String) {
        #expect(!Self.isJSON(json))
    }

    /// Strings must be well-formed UTF-8: no overlong forms, surrogates, values past U+10FFFF, truncations or stray bytes.
    @Test(arguments: [[0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80],
                      [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xBF], [0xFE], [0xFF], [0xC3, 0x28]] as [[UInt8]])
    func refusesIllFormedUTF8(sequence: [UInt8]) {
        let body = [UInt8(ascii: "\"")] + sequence + [UInt8(ascii: "\"")]
        #expect(Self.scan(body) { scanner throws(JSONScanner.Malformed) in try scanner.skipValue() } == nil)
    }

    /// Every well-formed sequence length and boundary passes.
    @Test func acceptsWellFormedUTF8() {
        for scalar in ["\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}"] {
            #expect(Self.isJSON("\"\(scalar)\""), "\(scalar.unicodeScalars.first!.value)")
        }
    }

    /// 512 levels of nesting pass, 513 do not; far deeper input fails without recursion or a crash.
    @Test func nestingLimit() {
        func nested(_ depth: Int, _ open: String, _ close: String) -> String {
            String(repeating: open, count: depth) + "0" + String(repeating: close, count: depth)
        }
        #expect(Self.isJSON(nested(512, "[", "]")))
        #expect(!Self.isJSON(nested(513, "[", "]")))
        #expect(Self.isJSON(nested(512, #"{"a":"#, "}")))
        #expect(!Self.isJSON(nested(513, #"{"a":"#, "}")))
        #expect(Self.isJSON(nested(256, #"[{"a":"#, "}]")))
        #expect(!Self.isJSON(nested(257, #"[{"a":"#, "}]")))
        #expect(!Self.isJSON(String(repeating: "[", count: 1_000_000)))
        #expect(!Self.isJSON(nested(100_000, "[", "]")))
    }

    /// A member read by `readObject` counts toward the limit like one skipped.
    @Test func nestingLimitCountsReadObjects() {
        let inner = { (depth: Int) in #"{"a":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}" }
        let read = { (json: String) in
            Self.scan(json) { scanner throws(JSONScanner.Malformed) in
                try scanner.readObject(TestKey.self) { scanner, _ throws(JSONScanner.Malformed) in try scanner.skipValue() }
            }
        }
        #expect(read(inner(511)) == .read)
        #expect(read(inner(512)) == nil)
    }

    // MARK: - Strings

    /// Escapes are resolved: the two-character ones, `\uXXXX` in either case, surrogate pairs; raw UTF-8 stays.
    @Test func unescapes() {
        let read = { (json: String) in Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.string() } }
        #expect(read(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == "a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti")
        #expect(read(#""\u00e9\u00E9\u0041\u0000\u20AC""#) == "ééA\u{0}€")
        #expect(read(#""\uD83D\uDE00 \ud83c\udf89""#) == "😀 🎉")
        #expect(read("\"Kærlighed 日本 🎉\"") == "Kærlighed 日本 🎉")
        #expect(read(#""plain""#) == "plain")
        #expect(read(#""""#) == "")
        #expect(read(#""\\u0041""#) == "\\u0041")
    }

    /// A lone surrogate escape is valid JSON but no Swift `String`: it reads as nil, as with `JSONDecoder`.
    @Test(arguments: [#""\uD800""#, #""\uDBFF""#, #""\uDC00""#, #""\uDFFF""#, #""\uD800x""#, #""\uD800\u0041""#, #""\uDE00\uD83D""#,
                      #""\uD800\uD800\uDC00""#, #""\uD800\n""#, #""a\uD83D""#])
    func loneSurrogateReadsAsNil(json: String) {
        let read = Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.string() }
        #expect(read == .some(nil))
    }

    // MARK: - Typed reads

    /// A value of another kind than asked for reads as nil, is consumed whole and checked.
    @Test func mistypedValuesAreSkipped() {
        let string = { (json: String) in Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.string() } }
        let bool = { (json: String) in Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.bool() } }
        let int = { (json: String) in Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.int64() } }
        #expect(string(#"{"a":[1,"x"]}"#) == .some(nil))
        #expect(string("42") == .some(nil))
        #expect(string("null") == .some(nil))
        #expect(string("[1,]") == nil)
        #expect(bool("true") == true && bool("false") == false)
        #expect(bool("1") == .some(nil) && bool(#""true""#) == .some(nil) && bool("null") == .some(nil))
        #expect(bool("truex") == nil)
        #expect(int(#""1""#) == .some(nil) && int("[1]") == .some(nil) && int("true") == .some(nil))
    }

    /// Integers as `JSONDecoder` reads an Int64: exact when plain, through a Double otherwise, through a Decimal from 2^53.
    @Test(arguments: [
        ("1750068934", 1_750_068_934), ("-1", -1), ("-0", 0), ("0", 0), ("1.0", 1), ("1e3", 1000), ("1E+2", 100), ("1.5e1", 15),
        ("1.5", nil), ("0.5", nil), ("1e-400", 0), ("1e400", nil), ("2.0000000000000001", 2), ("0e99999", 0),
        ("9223372036854775807", .max), ("9223372036854775808", nil), ("-9223372036854775808", .min), ("-9223372036854775809", nil),
        ("9007199254740993.0", 9_007_199_254_740_993), ("9007199254740993.9", 9_007_199_254_740_993),
        ("9007199254740993.0000", 9_007_199_254_740_993), ("9007199254740993.4999", nil), ("9.007199254740993e15", 9_007_199_254_740_993),
        ("9223372036854775295.0", 9_223_372_036_854_775_295), ("9223372036854775296.0", nil), ("-9223372036854775808.0", nil),
        ("9007199254740993000000000000000000000000e-24", 9_007_199_254_740_993), ("18446744073709551616e-2", nil),
    ] as [(String, Int64?)])
    func int64(json: String, expected: Int64?) {
        let read = Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.int64() }
        #expect(read == .some(expected))
    }

    /// Where Foundation's Decimal exponent overflows, `JSONDecoder` trapped; the scanner reads the number.
    @Test func int64WhereJSONDecoderTrapped() {
        let json = "0." + String(repeating: "0", count: 130) + "9007199254740993e146"
        let read = Self.scan(json) { scanner throws(JSONScanner.Malformed) in try scanner.int64() }
        #expect(read == .some(9_007_199_254_740_993))
    }

    // MARK: - Objects

    enum TestKey: Int, JSONMemberKey {
        static let names = JSONMemberNames<Self>()

        case a, b
        var name: StaticString {
            switch self {
            case .a: "a"
            case .b: "b_key"
            }
        }
    }

    enum SameLengthKey: Int, JSONMemberKey {
        static let names = JSONMemberNames<Self>()

        case id, type, tip, ip

        var name: StaticString {
            switch self {
            case .id: "id"
            case .type: "type"
            case .tip: "tip"
            case .ip: "ip"
            }
        }
    }

    /// A name finds the key of exactly its bytes among keys of one length, and nothing otherwise.
    @Test func memberNamesFindTheKeyOfExactlyTheirBytes() {
        func key(_ name: String) -> SameLengthKey? {
            Array(name.utf8).withUnsafeBufferPointer { SameLengthKey.names.key(named: $0) }
        }
        #expect(key("id") == .id && key("ip") == .ip && key("tip") == .tip && key("type") == .type)
        #expect(key("") == nil && key("i") == nil && key("iq") == nil && key("types") == nil && key("Type") == nil)
    }

    /// Reads the strings of keys `a` and `b_key` from an object.
    static func members(_ json: String) -> (outcome: JSONScanner.ObjectRead, a: String?, b: String?)? {
        Self.scan(json) { scanner throws(JSONScanner.Malformed) in
            var a: String?
            var b: String?
            let outcome = try scanner.readObject(TestKey.self) { scanner, key throws(JSONScanner.Malformed) in
                switch key {
                case .a: a = try scanner.string()
                case .b: b = try scanner.string()
                }
            }
            return (outcome, a, b)
        }
    }

    /// Wanted keys are read at their first occurrence, matched after unescaping; the rest is skipped.
    @Test func readsWantedMembers() throws {
        let plain = try #require(Self.members(#"{"x":{"a":"no"},"a":"1","y":[1,2],"b_key":"2"}"#))
        #expect(plain.outcome == .read && plain.a == "1" && plain.b == "2")
        let duplicated = try #require(Self.members(#"{"a":"first","a":"second","b_key":5,"b_key":"later"}"#))
        #expect(duplicated.a == "first" && duplicated.b == nil)
        let escaped = try #require(Self.members(#"{"\u0061":"escaped","b\u005fkey":"too","a":"plain"}"#))
        #expect(escaped.a == "escaped" && escaped.b == "too")
        let lookalikes = try #require(Self.members(#"{"A":"1","a ":"2","b_ke":"3","b_keyy":"4","\u0061\u0000":"5"}"#))
        #expect(lookalikes.outcome == .read && lookalikes.a == nil && lookalikes.b == nil)
        #expect(try #require(Self.members("[]")).outcome == .notAnObject)
        #expect(try #require(Self.members(#""{}""#)).outcome == .notAnObject)
    }

    /// A key that is no Swift `String` makes the object undecodable, as `JSONDecoder`'s keyed container refuses it.
    @Test func undecodableKey() throws {
        let read = try #require(Self.members(#"{"a":"1","\uD800":0}"#))
        #expect(read.outcome == .undecodableKey)
        #expect(Self.members(#"{"a":"1","\q":0}"#) == nil)
    }

    /// Structural errors inside or after an object read are refused.
    @Test(arguments: [#"{"a":"1",}"#, #"{"a":"1""#, #"{"a" "1"}"#, #"{"a":"1"}}"#, #"{,"a":"1"}"#, #"{"a":"1" "b_key":"2"}"#, #"{"a":}"#])
    func malformedObjects(json: String) {
        #expect(Self.members(json) == nil)
    }
}
