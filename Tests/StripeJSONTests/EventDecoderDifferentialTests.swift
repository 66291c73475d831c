import BillingCore
import BillingTestSupport
import Foundation
@testable import StripeJSON
import Testing

/// `BillingEvent.decode(payload:)`, a `JSONScanner` pass since it replaced Foundation's `JSONDecoder`, against
/// `LegacyEventDecoder`, the `JSONDecoder` implementation it replaced: on the repository's bodies, generated
/// stories in every shape, every member of each acted-on object mutated, hand-written edge cases, and
/// truncations and byte replacements of fixtures.
///
/// Both must answer alike: the same `BillingEvent`, or both an `undecodable_event` error (messages may differ;
/// the new ones must be field paths, never values). The one allowed difference is the scanner's strictness:
/// it refuses any body that is not RFC 8259 JSON text in UTF-8 as "not valid JSON", where `JSONDecoder` let
/// through what it never read (a trailing comma, an invalid escape, a control character, invalid UTF-8 or a
/// malformed number in an ignored member) and UTF-16/32 bodies. The independent `RFC8259Oracle` must confirm
/// that each such body is not JSON.
@Suite struct EventDecoderDifferentialTests {
    /// Every Stripe fixture (both API versions), every event of the exported list, every kept fuzz input.
    @Test func repositoryBodies() throws {
        var bodies: [[UInt8]] = []
        for version in Fixtures.versions {
            bodies += try Fixtures.storyFiles(version).map { [UInt8](try Fixtures.data(version, $0)) }
        }
        let list = [UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent("export-list.json")))
        let elements = try #require(StripeList.read(list)?.data)
        bodies += elements.map { Array(list[$0.range]) }
        bodies.append(list)
        bodies += try Corpus.files(under: "fuzz")
        let tally = EventDifferential.check(bodies, "repository body")
        #expect(tally.decoded >= 30, "fixtures that decode: \(tally)")
        #expect(tally.allowedStrictness == 0)
    }

    /// Generated stories (seeded) rendered in both API shapes, and each rendering varied: expanded
    /// references, pretty-printed, escaped keys. Each must also decode back to the generated event.
    @Test func generatedStories() {
        var bodies: [[UInt8]] = []
        var originals: [BillingEvent] = []
        for seed in UInt64(1)...60 {
            var generator = BillingStoryGenerator(seed: seed)
            for story in generator.clients(count: Int(seed % 3) + 1) {
                for event in story.events {
                    for shape in StripeEventRenderer.Shape.allCases {
                        for body in EventCorpus.variants(of: StripeEventRenderer.render(event, shape: shape)) {
                            bodies.append(body)
                            originals.append(event)
                        }
                    }
                }
            }
        }
        #expect(bodies.count >= 5_000)
        let tally = EventDifferential.check(bodies, "generated event", contiguousOnly: true)
        #expect(tally.decoded == bodies.count && tally.allowedStrictness == 0)
        for (body, original) in zip(bodies, originals) {
            let decoded = try? BillingEvent.decode(payload: body)
            if decoded != original {
                Issue.record("generated \(original.id) decoded as \(String(describing: decoded))")
                break
            }
        }
    }

    /// Every member at every depth of an event of each acted-on type (and of an ignored one): removed,
    /// replaced by values of every kind, duplicated before and after, spelled with an escape.
    @Test func memberMutations() {
        let bodies = EventCorpus.memberMutations()
        #expect(bodies.count >= 5_000)
        let tally = EventDifferential.check(bodies, "member mutation", contiguousOnly: true)
        #expect(tally.decoded >= 1_000 && tally.refused >= 1_000, "\(tally)")
    }

    /// Hand-written bodies around each rule.
    @Test func handWrittenBodiesAroundEachRuleDecodeAsJSONDecoderDid() {
        let tally = EventDifferential.check(EventCorpus.edgeCases, "edge case")
        #expect(tally.decoded >= 20 && tally.allowedStrictness >= 5, "\(tally)")
    }

    /// A basil invoice cut after each of its bytes.
    @Test func truncations() throws {
        let body = [UInt8](try Fixtures.data("2025-03-31.basil", "05-invoice.paid.json"))
        let tally = EventDifferential.check((0...body.count).map { Array(body[..<$0]) }, "truncation", contiguousOnly: true)
        #expect(tally.inputs == body.count + 1)
    }

    /// Two fixtures, each byte replaced by a byte that matters to JSON (rotating through them) and each
    /// byte with one bit flipped (high bit: mostly invalid UTF-8; low bit: other digits, other key names).
    @Test func byteReplacements() throws {
        var bodies: [[UInt8]] = []
        for (version, name) in [("2025-03-31.basil", "04-customer.subscription.updated.json"), ("2024-06-20", "05-invoice.paid.json")] {
            let body = [UInt8](try Fixtures.data(version, name))
            for index in body.indices {
                let replacement = EventCorpus.interestingBytes[index % EventCorpus.interestingBytes.count]
                for byte in [replacement == body[index] ? body[index] ^ 0x20 : replacement, body[index] ^ 0x80, body[index] ^ 0x01] {
                    var mutated = body
                    mutated[index] = byte
                    bodies.append(mutated)
                }
            }
        }
        let tally = EventDifferential.check(bodies, "replacement", contiguousOnly: true)
        #expect(tally.decoded >= 1_000 && tally.allowedStrictness >= 100, "\(tally)")
    }

    /// Small events of each acted-on type, each byte replaced by each byte that matters to JSON.
    @Test func exhaustiveReplacementsOfSmallEvents() {
        var bodies: [[UInt8]] = []
        for event in EventCorpus.smallEvents {
            let body = Array(event.utf8)
            for index in body.indices {
                for replacement in EventCorpus.interestingBytes where replacement != body[index] {
                    var mutated = body
                    mutated[index] = replacement
                    bodies.append(mutated)
                }
            }
        }
        let tally = EventDifferential.check(bodies, "small event replacement", contiguousOnly: true)
        #expect(tally.decoded >= 1_000, "\(tally)")
    }

    /// Bodies that trap Foundation's `JSONDecoder` (so they cannot be compared): the scanner refuses
    /// them or reads them, and never traps.
    @Test func inputsThatTrapJSONDecoder() {
        let event = { (created: String) in
            Array(#"{"id":"evt_1","object":"event","type":"x","created":\#(created),"livemode":false}"#.utf8)
        }
        let bodies: [[UInt8]] = [
            Array(String(repeating: "[", count: 513).utf8),
            event("9007199254740993" + String(repeating: "0", count: 200) + "e-200"),
            event("-9007199254740993" + String(repeating: "0", count: 300) + "e-300"),
        ]
        for body in bodies {
            switch Result(catching: { () throws(BillingCoreError) in try BillingEvent.decode(payload: body) }) {
            case .success(let decoded): #expect(decoded.id == "evt_1")
            case .failure(let error): #expect(error.code == .undecodableEvent)
            }
        }
    }
}

/// Runs both decoders and records an issue for each unacceptable disagreement.
enum EventDifferential {
    struct Tally: CustomStringConvertible {
        var inputs = 0
        /// Both decoded the same event.
        var decoded = 0
        /// Both refused.
        var refused = 0
        /// `JSONDecoder` decoded a body that is not JSON text; the scanner refused it.
        var allowedStrictness = 0

        var description: String {
            "\(inputs) inputs: \(decoded) decoded alike, \(refused) refused by both, \(allowedStrictness) not JSON refused by the scanner only"
        }
    }

    /// With `contiguousOnly` (mass inputs: the tests run unoptimized), the decoder's path for a
    /// collection without contiguous storage is not tried too.
    @discardableResult
    static func check(
        _ bodies: [[UInt8]], _ label: String, contiguousOnly: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Tally {
        var tally = Tally()
        var issues = 0
        for (index, body) in bodies.enumerated() {
            tally.inputs += 1
            let legacy = Result { () throws(BillingCoreError) in try LegacyEventDecoder.decode(body) }
            let scanned = Result { () throws(BillingCoreError) in try BillingEvent.decode(payload: body) }
            var problem: String?
            if !contiguousOnly {
                let lazy = Result { () throws(BillingCoreError) in try BillingEvent.decode(payload: body.lazy.map { $0 }) }
                if lazy != scanned { problem = "contiguous \(scanned) but lazy \(lazy)" }
            }
            switch (legacy, scanned) {
            case (.success(let old), .success(let new)):
                if old == new { tally.decoded += 1 } else { problem = "JSONDecoder read \(old), the scanner \(new)" }
            case (.failure(let old), .failure(let new)):
                tally.refused += 1
                if old.code != .undecodableEvent || new.code != .undecodableEvent { problem = "codes \(old.code), \(new.code)" }
            case (.success(let old), .failure(let new)):
                if new == notJSON && !RFC8259Oracle.isJSON(body) {
                    tally.allowedStrictness += 1
                } else {
                    problem = "JSONDecoder read \(old), the scanner refused: \(new)"
                }
            case (.failure(let old), .success(let new)):
                problem = "JSONDecoder refused (\(old)), the scanner read \(new)"
            }
            if case .failure(let error) = scanned, !isSafe(error.message) {
                problem = "message not a field path: \(error.message)"
            }
            if let problem {
                issues += 1
                if issues <= 20 {
                    let preview = String(decoding: body.prefix(300), as: UTF8.self)
                    Issue.record("\(label) #\(index) (\(body.count) bytes): \(problem)\n\(preview)", sourceLocation: sourceLocation)
                }
            }
        }
        #expect(issues == 0, "\(label): \(issues) disagreements in \(tally)", sourceLocation: sourceLocation)
        print("EventDecoderDifferential \(label): \(tally)")
        return tally
    }

    private static let notJSON = BillingCoreError(.undecodableEvent, "the payload is not valid JSON")

    /// The scanner's messages: fixed sentences and member paths (no value can get into one).
    private static func isSafe(_ message: String) -> Bool {
        let fixed: Set<String> = [
            "the payload is not valid JSON", "the payload is not a JSON object",
            "the payload has a key that is not valid Unicode", #"object is not "event""#,
            "data.object.status is not a known subscription status",
        ]
        if fixed.contains(message) { return true }
        for suffix in [" is missing or null", " has the wrong type"] where message.hasSuffix(suffix) {
            let path = message.dropLast(suffix.count)
            return !path.isEmpty && path.allSatisfy { $0 == "." || $0 == "_" || ("a"..."z").contains($0) }
        }
        return false
    }
}
