import BillingCore
import BillingTestSupport
import Foundation
import StripeJSON
import Testing

/// `StripeList`: one pass over an exported file or a list page (ingest, back-fill).
@Suite struct StripeListTests {
    static func read(_ text: String) -> StripeList? { StripeList.read(Array(text.utf8)) }

    /// Each element of `data` is its exact bytes (whitespace around it excluded) with its string `id`.
    @Test func elementsAreTheirExactBytesWithTheirIds() throws {
        let text = #"{"object":"list", "data": [ {"id":"evt_1","n":1.50} ,{"x":{"id":"nested"}},"s", {"id":7} ],"has_more":true}"#
        let list = try #require(Self.read(text))
        let bytes = Array(text.utf8)
        #expect(list.isObject && list.object == "list" && list.hasMore == true)
        let data = try #require(list.data)
        #expect(data.map { String(decoding: bytes[$0.range], as: UTF8.self) }
            == [#"{"id":"evt_1","n":1.50}"#, #"{"x":{"id":"nested"}}"#, #""s""#, #"{"id":7}"#])
        #expect(data.map(\.id) == ["evt_1", nil, nil, nil])
    }

    /// Missing, `null` or mistyped members read as absent; the first of duplicate members counts.
    @Test func absentOrMistypedMembersAreNil() throws {
        let bare = try #require(Self.read(#"{"data":null,"has_more":1,"object":5}"#))
        #expect(bare.isObject && bare.data == nil && bare.hasMore == nil && bare.object == nil)
        let empty = try #require(Self.read(#"{"object":"list","data":[]}"#))
        #expect(empty.data == [] && empty.hasMore == nil)
        let duplicated = try #require(Self.read(#"{"object":"list","object":"event","data":[1],"data":[]}"#))
        #expect(duplicated.object == "list" && duplicated.data?.count == 1)
    }

    /// Other JSON values are not objects; text that is not JSON is `nil`, wherever the fault is.
    @Test func nonObjectsAndInvalidText() {
        for text in ["1", "[]", #""list""#, "null", " true "] {
            #expect(Self.read(text).map { !$0.isObject && $0.data == nil } == true, "\(text)")
        }
        for text in ["", "{", #"{"object":"list","data":[{"id":"a"},]}"#, #"{"data":[1 2]}"#, #"{"a":1} x"#,
                     "{\"data\":[\"\u{01}\"]}"] {
            #expect(Self.read(text) == nil, "\(text)")
        }
        #expect(StripeList.read([0xEF, 0xBB, 0xBF] + Array(#"{"object":"list","data":[]}"#.utf8))?.object == "list")
        #expect(StripeList.read(Array(#"{"data":[""#.utf8) + [0xFF] + Array(#""]}"#.utf8)) == nil)
    }

    /// What `EventEnvelope(decoding:)` answers for `bytes` alone.
    static func decodedAlone(_ bytes: ArraySlice<UInt8>) -> Result<EventEnvelope, BillingCoreError> {
        do throws(BillingCoreError) {
            return .success(try EventEnvelope(decoding: bytes))
        } catch {
            return .failure(error)
        }
    }

    /// Each element's event, decoded in the list's one pass, is what decoding the element's bytes
    /// alone answers — the envelope, or the same error message: on the exported fixture, on every
    /// fixture event put in a list, and on elements that are no event in each way the envelope refuses.
    @Test func eachElementsEventIsWhatDecodingItAloneGives() throws {
        var lists = [[UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent("export-list.json")))]
        for version in Fixtures.versions {
            let events = try Fixtures.storyFiles(version).map { String(decoding: try Fixtures.data(version, $0), as: UTF8.self) }
            lists.append(Array(#"{"object":"list","data":[\#(events.joined(separator: " ,\n "))]}"#.utf8))
        }
        let refused = [
            "5", #""evt_1""#, "null", "[]", #"{"object":"v2.core.event","id":"evt_thin","type":"t","created":1}"#,
            #"{"object":"charge","id":"ch_1"}"#, #"{"object":"event","id":"","type":"t","created":1}"#,
            #"{"object":"event","id":"evt_2","created":1}"#, #"{"object":"event","id":"evt_3","type":"t","created":1.5}"#,
            #"{"\uD800":1,"object":"event","id":"evt_4","type":"t","created":1}"#,
            #"{"object":"event","id":"evt_5","type":"t","created":1,"livemode":"yes","data":[{"object":"event"}]}"#,
            #"{"object":"event","object":"list","id":"evt_6","id":7,"type":"t","created":1,"data":{"object":{"id":"in_1","object":"invoice","subscription":{"id":"sub_1"}}}}"#,
        ]
        lists.append(Array(#"{"data":[\#(refused.joined(separator: ","))],"object":"list"}"#.utf8))
        var compared = 0
        for list in lists {
            let data = try #require(StripeList.read(list)?.data)
            for element in data {
                #expect(element.event == Self.decodedAlone(list[element.range]), "\(String(decoding: list[element.range], as: UTF8.self))")
                compared += 1
            }
        }
        #expect(compared >= 40)
        let last = try #require(StripeList.read(lists[lists.count - 1])?.data)
        #expect(last.filter { (try? $0.event.get()) != nil }.map(\.id) == ["evt_5", "evt_6"])
    }

    /// An object that is not a list is read as one event in the same pass (what decoding it alone
    /// answers); a list, or another JSON value, carries no event of its own.
    @Test func anObjectThatIsNoListCarriesItsEvent() throws {
        for version in Fixtures.versions {
            for name in try Fixtures.storyFiles(version) {
                let body = [UInt8](try Fixtures.data(version, name))
                let read = try #require(StripeList.read(body))
                #expect(read.event == Self.decodedAlone(body[...]) && read.data == nil, "\(name)")
            }
        }
        let thin = Array(#"{"object":"v2.core.event","id":"evt_thin","type":"t","created":1,"data":[1]}"#.utf8)
        #expect(StripeList.read(thin)?.event == Self.decodedAlone(thin[...]))
        #expect(StripeList.read(thin)?.data?.count == 1)
        let undecodableKey = Array(#"{"object":"event","id":"e","type":"t","created":1,"\uDC00":0}"#.utf8)
        #expect(StripeList.read(undecodableKey)?.event == Self.decodedAlone(undecodableKey[...]))
        #expect(Self.read(#"{"object":"list","data":[]}"#)?.event == nil)
        #expect(Self.read(#"[{"object":"event"}]"#)?.event == nil)
    }
}
