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
}
