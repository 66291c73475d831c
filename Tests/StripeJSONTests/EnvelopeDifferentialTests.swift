import BillingCore
import Foundation
@testable import StripeJSON
import Testing

/// `EventEnvelope(decoding:)`, a `JSONScanner` pass since it replaced Foundation's `JSONDecoder`,
/// against `LegacyEnvelopeDecoder`, the `JSONDecoder` implementation it replaced, on the repository's
/// bodies, hand-written edge cases and mutations of a fixture.
///
/// Both must answer alike: the same envelope, or the same error code and message. The one allowed
/// difference is the scanner's strictness: it refuses any body that is not RFC 8259 JSON as "not valid
/// JSON", where `JSONDecoder` let through what it never read (an invalid escape, a control character or
/// a malformed number in an ignored field, a trailing comma) and read some of it as a missing field. The
/// independent `RFC8259Oracle` must confirm each such body is not JSON, and every body it calls not JSON
/// must be refused.
@Suite struct EnvelopeDifferentialTests {
    /// Every Stripe fixture, every kept fuzz input and every signature vector's payload.
    @Test func repositoryBodies() throws {
        var bodies = try Corpus.files(under: "stripe") + Corpus.files(under: "fuzz")
        bodies += SignatureVectorFixture.vectors.compactMap { try? $0.payloadBytes }
        #expect(bodies.count >= 50)
        Differential.check(bodies, "repository body")
    }

    /// Hand-written bodies around each rule: escapes, surrogates, duplicates, numbers, nesting, shapes.
    @Test func handWrittenBodiesAroundEachRuleDecodeAsTheLegacyDecoderDid() {
        Differential.check(Corpus.edgeCases, "edge case")
    }

    /// `created` in every form `JSONDecoder` reads an Int64 from: fractions, exponents, 2^53 and up.
    @Test func createdNumbers() {
        Differential.check(Corpus.createdNumbers.map { Corpus.event(created: $0) }, "created")
    }

    /// A basil checkout session cut after each of its bytes.
    @Test func truncations() throws {
        let body = try Corpus.checkoutSession()
        Differential.check((0...body.count).map { Array(body[..<$0]) }, "truncation", contiguousOnly: true)
    }

    /// A basil checkout session with each byte replaced by one of the bytes that matter to JSON.
    @Test func byteReplacements() throws {
        let body = try Corpus.checkoutSession()
        let bodies = body.indices.map { index in
            var mutated = body
            let replacement = Corpus.interestingBytes[index % Corpus.interestingBytes.count]
            mutated[index] = replacement == body[index] ? body[index] ^ 0x20 : replacement
            return mutated
        }
        Differential.check(bodies, "replacement", contiguousOnly: true)
    }

    /// A small basil-shaped invoice event using every envelope field, with each byte replaced by each
    /// interesting byte.
    @Test func exhaustiveReplacementsOfASmallEvent() throws {
        let body = Array(Corpus.smallEvent.utf8)
        let intact = try EventEnvelope(decoding: body)
        #expect(intact.customerId == "cus_1" && intact.subscriptionId == "sub_1" && intact.livemode == true)
        var bodies: [[UInt8]] = []
        for index in body.indices {
            for replacement in Corpus.interestingBytes where replacement != body[index] {
                var mutated = body
                mutated[index] = replacement
                bodies.append(mutated)
            }
        }
        Differential.check(bodies, "small event replacement")
    }
}

enum Differential {
    /// Decodes each body with both decoders and records an issue for each disagreement. With
    /// `contiguousOnly` (mass mutations: the test runs unoptimized), the scanner's path for a
    /// non-contiguous collection is not tried too.
    static func check(
        _ bodies: [[UInt8]], _ label: String, contiguousOnly: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (index, body) in bodies.enumerated() {
            if let problem = disagreement(body, contiguousOnly: contiguousOnly) {
                Issue.record("\(label) #\(index) (\(body.count) bytes): \(problem)", sourceLocation: sourceLocation)
            }
        }
    }

    private static let notJSON = BillingCoreError(.invalidPayload, "the body is not valid JSON")

    /// Why the decoders' answers for `body` are not acceptable, or nil when they are.
    static func disagreement(_ body: [UInt8], contiguousOnly: Bool = false) -> String? {
        let legacy = Result { () throws(BillingCoreError) in try LegacyEnvelopeDecoder.decode(body) }
        let scanner = Result { () throws(BillingCoreError) in try EventEnvelope(decoding: body) }
        if !contiguousOnly {
            let lazy = Result { () throws(BillingCoreError) in try EventEnvelope(decoding: body.lazy.map { $0 }) }
            guard scanner == lazy else { return "contiguous \(scanner) but lazy \(lazy)" }
        }
        let refusedAsNotJSON = scanner == .failure(notJSON)
        let isUTF8 = legacy != .failure(BillingCoreError(.invalidPayload, "the body is not valid UTF-8"))
        if isUTF8 && !refusedAsNotJSON && !RFC8259Oracle.isJSON(body) {
            return "not JSON, yet the scanner answered \(scanner)"
        }
        if legacy == scanner { return nil }
        if refusedAsNotJSON && isUTF8 && !RFC8259Oracle.isJSON(body) { return nil }
        return "JSONDecoder answered \(legacy), the scanner \(scanner)"
    }
}

enum Corpus {
    /// `<repo>/Tests/Fixtures/<folder>`, every file below it.
    static func files(under folder: String) throws -> [[UInt8]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(folder)")
        let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        return try paths.sorted().compactMap { path in
            let url = root.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { return nil }
            return Array(try Data(contentsOf: url))
        }
    }

    /// A basil `checkout.session.completed` (3.2 KiB, pretty-printed).
    static func checkoutSession() throws -> [UInt8] {
        Array(try EventEnvelopeTests.storyFixture("2025-03-31.basil", "01-checkout.session.completed.json"))
    }

    static let interestingBytes: [UInt8] = Array(#"{}[]:,"\/0123456789-+.eEtfnu "#.utf8) + [0x00, 0x01, 0x09, 0x0A, 0x0B, 0x7F, 0x80, 0xC3, 0xED, 0xEF, 0xFF]

    static let smallEvent = #"""
        {"id":"evt_1","object":"event","api_version":"2024-06-20","created":1750000000,"livemode":true,\#
        "type":"invoice.paid","data":{"object":{"id":"in_1","object":"invoice","customer":{"id":"cus_1"},\#
        "subscription":null,"parent":{"subscription_details":{"subscription":"sub_1"}},\#
        "n":[1.5e3,-0,true,false,null,"\u00e9\n"]}}}
        """#

    /// An event with `extra` members appended, `id` and `created` as given (JSON text).
    static func event(_ extra: String = "", id: String = #""evt_1""#, created: String = "1") -> [UInt8] {
        Array(#"{"id":\#(id),"object":"event","type":"x","created":\#(created)\#(extra)}"#.utf8)
    }

    static func invoice(_ members: String) -> [UInt8] {
        event(#","data":{"object":{"object":"invoice",\#(members)}}"#)
    }

    static func nested(_ depth: Int, open: String, close: String, inner: String = "1") -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    static let edgeCases: [[UInt8]] = {
        var bodies: [[UInt8]] = []
        // Whitespace, byte order marks, trailing bytes.
        bodies += [[0xEF, 0xBB, 0xBF] + event(), [0xEF, 0xBB, 0xBF, 0x20] + event(), [0x20, 0xEF, 0xBB, 0xBF] + event(),
                   [0xEF, 0xBB, 0xBF], [0xEF, 0xBB] + event(), [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + event(),
                   Array(" \t\r\n".utf8) + event() + Array(" \n".utf8), [0x0B] + event(), [0x0C] + event(),
                   [0xC2, 0xA0] + event(), event() + [0], event() + event(), event() + Array("x".utf8), [], [0x20]]
        // Escapes and surrogates, in read and in ignored strings and keys.
        for string in [#""\q""#, #""\u12G4""#, #""\u12""#, #""\"#, #""\uD800""#, #""\uDC00""#, #""\uD800\u0041""#, #""\uD800x""#,
                       #""\uD83D\uDE00""#, #""\uDE00\uD83D""#, #""\uD800\uD800\uDC00""#, #""\uD800\n""#, #""a\"\\\/\b\f\n\r\t\u00e9\u00E9""#,
                       #""a\u0000b""#, "\"a\u{01}b\"", "\"a\tb\"", "\"a\u{7F}b\"", "\"🎉\u{2028}\"", #""""#] {
            bodies += [event(#","x":\#(string)"#), event(id: string), event(#","\#(string.dropFirst().dropLast())":1"#),
                       Array(#"{"\#(string.dropFirst().dropLast())":1,"id":"evt_1","object":"event","type":"x","created":1}"#.utf8),
                       invoice(#""customer":\#(string)"#), invoice(#""customer":{"\#(string.dropFirst().dropLast())":1,"id":"cus_1"}"#),
                       invoice(#""parent":{"subscription_details":{"\#(string.dropFirst().dropLast())":0,"subscription":"sub_1"}}"#)]
        }
        // Invalid UTF-8 inside strings.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFF]] {
            bodies.append(Array(#"{"id":"evt_1","object":"event","type":"x","created":1,"s":""#.utf8) + bad + Array(#""}"#.utf8))
        }
        // Numbers in ignored fields, and as the top-level value.
        for number in ["01", "1.", ".5", "-", "1e", "1e+", "+1", "-0", "1E5", "1e400", "-01", "0x1", "1.5e3", "123456789012345678901234567890",
                       "Infinity", "NaN", "1.0e-0", "0e5", "-0.0"] {
            bodies += [event(#","x":\#(number)"#), Array(number.utf8)]
        }
        // Literals, structure.
        for json in ["true", "tru", "nulll", " true ", "null", #""event""#, #"{"a" 1}"#, #"{"a":}"#, #"{1:2}"#, "{}", " { } ", "[1,]", "[1 2]",
                     #"{"a":1,}"#, "[}", "{]", #"{"a":1"#, "/*c*/{}", "{'a':1}", #"[{"id":"evt_1","object":"event","type":"x","created":1}]"#] {
            bodies.append(Array(json.utf8))
        }
        bodies += [event(#","x":[1,]"#), event(",x:1"), event(#","x":'a'"#), event("/*c*/")]
        // Duplicate keys (the first wins), escaped keys.
        for members in [#""id":"evt_a","id":"evt_b""#, #""id":"evt_a","id":5"#, #""id":5,"id":"evt_b""#, #""id":null,"id":"evt_b""#,
                        #""i\u0064":"evt_a","id":"evt_b""#, #""id\u0000":"evt_a","id":"evt_b""#, #""":"evt_a","id":"evt_b""#] {
            bodies.append(Array(#"{\#(members),"object":"event","type":"x","created":1}"#.utf8))
        }
        bodies += [Array(#"{"ob\u006aect":"event","object":"x","id":"evt_1","type":"x","created":1}"#.utf8),
                   Array(#"{"id":"evt_1","object":"\u0065vent","type":"x","created":1}"#.utf8),
                   event(#","data":{"object":{"id":"a","object":"subscription"}},"data":{"object":{"id":"b"}}"#),
                   event(#","data":null,"data":{"object":{"id":"a","object":"subscription"}}"#),
                   event(#","data":{"object":{"id":"a","object":"subscription","object":"invoice"}}"#)]
        // Lenient fields and both API shapes.
        for extra in [#","livemode":true"#, #","livemode":1"#, #","livemode":null"#, #","api_version":1"#, #","api_version":"2025-03-31.basil""#,
                      #","data":null"#, #","data":[]"#, #","data":{"object":null}"#, #","data":{"object":[1]}"#, #","data":{"object":"in_1"}"#] {
            bodies.append(event(extra))
        }
        for members in [#""customer":{"x":1}"#, #""customer":{"id":1}"#, #""customer":null,"subscription":null"#, #""customer":["cus"]"#,
                        #""subscription":"""#, #""subscription":{"x":1},"parent":{"subscription_details":{"subscription":"sub_p"}}"#,
                        #""subscription":5,"parent":{"subscription_details":{"subscription":"sub_p"}}"#,
                        #""subscription":{"id":"sub_x"},"parent":{"subscription_details":{"subscription":"sub_p"}}"#,
                        #""parent":{"subscription_details":{"subscription":{"id":"sub_1"}}}"#, #""parent":{"subscription_details":null}"#,
                        #""parent":{"subscription_details":{"subscription":{"id":"sub_1","\uDBFF":1}}}"#, #""parent":"x""#] {
            bodies.append(invoice(members))
        }
        for object in [#"{"object":"customer","id":"cus_x","customer":"cus_y"}"#, #"{"object":"customer","customer":"cus_y"}"#,
                       #"{"object":"subscription","id":"sub_9","customer":{"id":"cus_9"},"subscription":{"\uDBFF":1}}"#,
                       #"{"object":"checkout.session","id":"cs_1","subscription":{"id":"sub_c"},"customer":"cus_c"}"#,
                       #"{"object":"subscription_schedule","id":"sub_sched_1","customer":"cus_9","subscription":"sub_9"}"#] {
            bodies.append(event(#","data":{"object":\#(object)}"#))
        }
        for envelope in [#"{"id":"evt_a","object":null,"type":"x","created":1}"#, #"{"id":"evt_a","object":"event","type":"","created":1}"#,
                         #"{"id":"evt_a","object":"v2.core.event"}"#, #"{"object":"event","type":5}"#, #"{"id":"evt_1","object":"Event","type":"x","created":1}"#] {
            bodies.append(Array(envelope.utf8))
        }
        // Nesting around the limit of 512, at the top level and inside the event.
        for depth in [1, 100, 511, 512, 513, 600] {
            bodies += [Array(nested(depth, open: "[", close: "]").utf8), Array(nested(depth, open: #"{"a":"#, close: "}").utf8),
                       event(#","x":"# + nested(depth - 1, open: "[", close: "]")),
                       event(#","x":"# + nested(depth - 1, open: #"{"a":"#, close: "}"))]
        }
        // Unclosed: exactly 513 `[` and nothing else traps JSONDecoder, so that one is only in EventEnvelopeTests.
        for depth in [1, 511, 512, 514, 600] {
            bodies.append(Array(String(repeating: "[", count: depth).utf8))
        }
        bodies.append(Array(String(repeating: "[", count: 100_000).utf8))
        bodies.append(Array(String(repeating: #"{"a":"#, count: 50_000).utf8))
        return bodies
    }()

    static let createdNumbers: [String] = {
        var numbers = ["1", "-1", "0", "-0", "1.0", "1e3", "1E3", "1E+2", "1e+02", "1e0002", "1.5e1", "1.5", "-0.0", "0.0000001e7", "0e5", "0.0e5",
                       "0e99999", "-0e-5", "1e-400", "1e400", "1e18", "1e19", "2.00000000000000000001", "2.0000000000000001", "true", "null",
                       #""1750068934""#, "[1]", "{}", "1750068934", "1e16", "9007199254740993e0", "12345678901234567890123e-5",
                       "100000000000000000000e-2", "18446744073709551615e-1", "18446744073709551616e-2", "1844674407370955161.6e1"]
        for whole in ["1750068934", "4503599627370497", "9007199254740991", "9007199254740992", "9007199254740993", "4611686018427387904",
                      "9223372036854774784", "9223372036854775295", "9223372036854775296", "9223372036854775806", "9223372036854775807",
                      "9223372036854775808", "9223372036854775809", "18446744073709551615", "18446744073709551616", "123456789012345678901"] {
            for sign in ["", "-"] {
                numbers += [sign + whole, "\(sign)\(whole).0", "\(sign)\(whole).5", "\(sign)\(whole).9", "\(sign)\(whole).0000",
                            "\(sign)\(whole).4999", "\(sign)\(whole)000e-3", "\(sign)\(whole)e0",
                            "\(sign)\(whole.prefix(1)).\(whole.dropFirst())e\(whole.count - 1)",
                            "\(sign)0.0000\(whole)e\(whole.count + 4)", "\(sign)\(whole)" + String(repeating: "0", count: 24) + "e-24",
                            "\(sign)\(whole)." + String(repeating: "0", count: 22) + "1", "\(sign)\(whole)." + String(repeating: "0", count: 23) + "1",
                            "\(sign)\(whole)." + String(repeating: "9", count: 30)]
            }
        }
        return numbers
    }()
}
