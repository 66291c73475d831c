import BillingCore
import Foundation
import StripeJSON
import Testing

/// `EventEnvelope`: the minimal decoding of a verified body at ingest (SPEC §4, §10).
@Suite struct EventEnvelopeTests {
    /// Decodes `json` (as UTF-8), failing the test on an error.
    static func decode(_ json: String) throws -> EventEnvelope {
        try EventEnvelope(decoding: Array(json.utf8))
    }

    /// The error `body` is refused with, or `nil` when it decodes.
    static func refusal(_ body: [UInt8]) -> BillingCoreError? {
        do {
            _ = try EventEnvelope(decoding: body)
            return nil
        } catch {
            return error
        }
    }

    static func refusal(_ json: String) -> BillingCoreError? { refusal(Array(json.utf8)) }

    /// An event around `object`, with the usual envelope fields.
    static func event(type: String = "invoice.paid", apiVersion: String = "2025-03-31.basil", object: String) -> String {
        """
        {"id":"evt_1RZQ0b","object":"event","api_version":"\(apiVersion)","created":1750068934,\
        "data":{"object":\(object)},"livemode":false,"pending_webhooks":1,\
        "request":{"id":null,"idempotency_key":null},"type":"\(type)"}
        """
    }

    // MARK: - Envelope fields

    /// id, type, created, api_version and livemode are read from the envelope.
    @Test func envelopeFields() throws {
        let envelope = try Self.decode(Self.event(object: #"{"id":"in_1","object":"invoice","customer":"cus_1"}"#))
        #expect(envelope.id == "evt_1RZQ0b")
        #expect(envelope.type == "invoice.paid")
        #expect(envelope.created == 1_750_068_934)
        #expect(envelope.apiVersion == "2025-03-31.basil")
        #expect(envelope.livemode == false)
        #expect(envelope.objectType == "invoice")
        #expect(envelope.objectId == "in_1")
        #expect(envelope.customerId == "cus_1")
    }

    /// Optional envelope fields that are absent, null or mistyped decode as nil; the event still decodes.
    @Test func optionalFieldsAreLenient() throws {
        let envelope = try Self.decode(#"{"id":"evt_2","object":"event","type":"ping","created":5,"api_version":null,"livemode":"yes"}"#)
        #expect(envelope == EventEnvelope(id: "evt_2", type: "ping", created: 5))
        let odd = try Self.decode(#"{"id":"evt_3","object":"event","type":"x","created":6,"data":{"object":{"id":7,"customer":12,"subscription":[]}}}"#)
        #expect(odd.objectId == nil && odd.customerId == nil && odd.subscriptionId == nil)
    }

    // MARK: - Invoice subscription id, both API shapes

    /// Pre-basil invoices (2024-06-20) carry the subscription id at top level.
    @Test func invoiceSubscriptionPreBasil() throws {
        let invoice = #"{"id":"in_1RZQ0b","object":"invoice","customer":"cus_SQm4","subscription":"sub_1RVkq2","paid":true}"#
        let envelope = try Self.decode(Self.event(apiVersion: "2024-06-20", object: invoice))
        #expect(envelope.subscriptionId == "sub_1RVkq2")
        #expect(envelope.customerId == "cus_SQm4")
        #expect(envelope.apiVersion == "2024-06-20")
    }

    /// Basil invoices (2025-03-31.basil) carry it in `parent.subscription_details.subscription`.
    @Test func invoiceSubscriptionBasil() throws {
        let invoice = """
            {"id":"in_1RZQ0b","object":"invoice","customer":"cus_SQm4",\
            "parent":{"quote_details":null,"subscription_details":{"metadata":{},"subscription":"sub_1RVkq2"},\
            "type":"subscription_details"},"status":"paid"}
            """
        let envelope = try Self.decode(Self.event(object: invoice))
        #expect(envelope.subscriptionId == "sub_1RVkq2")
        #expect(envelope.customerId == "cus_SQm4")
    }

    /// Expanded references (objects with an `id`) give their id, for customer and subscription alike.
    @Test func expandedReferences() throws {
        let preBasil = #"{"id":"in_1","object":"invoice","customer":{"id":"cus_X","object":"customer"},"subscription":{"id":"sub_X","object":"subscription"}}"#
        let envelope = try Self.decode(Self.event(object: preBasil))
        #expect(envelope.customerId == "cus_X")
        #expect(envelope.subscriptionId == "sub_X")
        let basil = #"{"id":"in_2","object":"invoice","parent":{"subscription_details":{"subscription":{"id":"sub_Y","object":"subscription"}}}}"#
        #expect(try Self.decode(Self.event(object: basil)).subscriptionId == "sub_Y")
    }

    /// A top-level `subscription` wins over `parent`; an invoice without either has no subscription.
    @Test func invoiceSubscriptionPrecedence() throws {
        let both = #"{"id":"in_1","object":"invoice","subscription":"sub_top","parent":{"subscription_details":{"subscription":"sub_parent"}}}"#
        #expect(try Self.decode(Self.event(object: both)).subscriptionId == "sub_top")
        let nullTop = #"{"id":"in_1","object":"invoice","subscription":null,"parent":{"subscription_details":{"subscription":"sub_parent"}}}"#
        #expect(try Self.decode(Self.event(object: nullTop)).subscriptionId == "sub_parent")
        let oneOff = #"{"id":"in_1","object":"invoice","customer":"cus_1","parent":null}"#
        #expect(try Self.decode(Self.event(object: oneOff)).subscriptionId == nil)
    }

    // MARK: - The repository's Stripe fixtures (one client's story, two API versions)

    static let storyFiles = [
        "01-checkout.session.completed.json", "02-customer.subscription.created.json",
        "03-customer.subscription.trial_will_end.json", "04-customer.subscription.updated.json",
        "05-invoice.paid.json", "06-invoice.payment_failed.json", "07-customer.subscription.updated.json",
        "08-customer.subscription.updated.json", "09-invoice.paid.json", "10-customer.subscription.updated.json",
        "11-customer.subscription.deleted.json",
    ]

    /// `<repo>/Tests/Fixtures/stripe/<version>/<name>`, found from this file's path (or its symlink target).
    static func storyFixture(_ version: String, _ name: String, filePath: String = #filePath) throws -> Data {
        let source = URL(fileURLWithPath: filePath)
        for file in [source, source.resolvingSymlinksInPath()] {
            let url = file.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/stripe/\(version)/\(name)")
            if FileManager.default.fileExists(atPath: url.path) { return try Data(contentsOf: url) }
        }
        throw CocoaError(.fileNoSuchFile)
    }

    /// Every story event of both API shapes yields the client's customer and subscription ids.
    @Test(arguments: ["2024-06-20", "2025-03-31.basil"], storyFiles)
    func storyFixtures(version: String, name: String) throws {
        let envelope = try EventEnvelope(decoding: Self.storyFixture(version, name))
        #expect(envelope.id.hasPrefix("evt_"))
        #expect(name.dropFirst(3) == "\(envelope.type).json")
        #expect(envelope.apiVersion == version)
        #expect(envelope.livemode == false)
        #expect(envelope.customerId == "cus_SQm4fT8ZkWq1Lb")
        #expect(envelope.subscriptionId == "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc")
        #expect(envelope.created > 1_748_000_000)
    }

    // MARK: - Other objects

    /// A subscription event's subscription id is the object's own id.
    @Test func subscriptionObject() throws {
        let subscription = #"{"id":"sub_1RVkq2","object":"subscription","customer":"cus_SQm4","status":"active"}"#
        let envelope = try Self.decode(Self.event(type: "customer.subscription.updated", object: subscription))
        #expect(envelope.objectType == "subscription")
        #expect(envelope.subscriptionId == "sub_1RVkq2")
        #expect(envelope.customerId == "cus_SQm4")
    }

    /// A checkout session's subscription id is its `subscription` field.
    @Test func checkoutSession() throws {
        let session = #"{"id":"cs_test_b1","object":"checkout.session","client_reference_id":"clt_acme","customer":"cus_SQm4","mode":"subscription","subscription":"sub_1RVkq2"}"#
        let envelope = try Self.decode(Self.event(type: "checkout.session.completed", object: session))
        #expect(envelope.objectId == "cs_test_b1")
        #expect(envelope.subscriptionId == "sub_1RVkq2")
        #expect(envelope.customerId == "cus_SQm4")
    }

    /// A customer object is its own customer; objects of other kinds have no subscription id.
    @Test func customerAndOtherObjects() throws {
        let customer = try Self.decode(Self.event(type: "customer.updated", object: #"{"id":"cus_9","object":"customer"}"#))
        #expect(customer.customerId == "cus_9" && customer.subscriptionId == nil)
        let schedule = try Self.decode(Self.event(type: "subscription_schedule.updated", object: #"{"id":"sub_sched_1","object":"subscription_schedule","customer":"cus_9","subscription":"sub_9"}"#))
        #expect(schedule.customerId == "cus_9" && schedule.subscriptionId == nil)
        let noObject = try Self.decode(#"{"id":"evt_4","object":"event","type":"x","created":1}"#)
        #expect(noObject.objectType == nil && noObject.objectId == nil)
    }

    // MARK: - Refusals

    /// A thin event (`"object":"v2.core.event"`) is refused, saying thin events are not supported.
    @Test func thinEventRefused() throws {
        let thin = #"{"id":"evt_test_65R","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2026-05-28T20:20:00.000Z","related_object":{"id":"mtr_1","type":"billing.meter"}}"#
        let error = try #require(Self.refusal(thin))
        #expect(error.code == .invalidPayload)
        #expect(error.message.contains("thin events"))
        #expect(error.message.contains("not supported"))
    }

    /// Without `"object":"event"`, a string non-empty `id` and `type`, and an integer `created`, the body is refused.
    @Test(arguments: [
        #"{"object":"event","type":"invoice.paid","created":1}"#,
        #"{"id":null,"object":"event","type":"invoice.paid","created":1}"#,
        #"{"id":42,"object":"event","type":"invoice.paid","created":1}"#,
        #"{"id":"","object":"event","type":"invoice.paid","created":1}"#,
        #"{"id":"evt_1","object":"event","created":1}"#,
        #"{"id":"evt_1","object":"event","type":["invoice.paid"],"created":1}"#,
        #"{"id":"evt_1","object":"event","type":"invoice.paid"}"#,
        #"{"id":"evt_1","object":"event","type":"invoice.paid","created":"1750068934"}"#,
        #"{"id":"evt_1","object":"event","type":"invoice.paid","created":1.5}"#,
        #"{"id":"evt_1","type":"invoice.paid","created":1}"#,
        #"{"id":"evt_1","object":"Event","type":"invoice.paid","created":1}"#,
        #"{"id":"evt_1","object":"list","type":"invoice.paid","created":1}"#,
        #"{"customer":"cus_1","data":{"object":{"id":"in_1","object":"invoice"}}}"#,
    ])
    func missingOrMistypedFieldsRefused(json: String) throws {
        let error = try #require(Self.refusal(json))
        #expect(error.code == .invalidPayload)
    }

    /// A body whose top level is not a JSON object is refused.
    @Test(arguments: [#"[{"id":"evt_1","object":"event","type":"x","created":1}]"#, #""event""#, "42", "null", "true"])
    func nonObjectRefused(json: String) throws {
        let error = try #require(Self.refusal(json))
        #expect(error.code == .invalidPayload)
        #expect(error.message == "the body is not a JSON object")
    }

    /// A body that is not JSON at all (empty, text, truncated, trailing garbage) is refused.
    @Test(arguments: ["", "OK - delivery accepted\n", #"{"id":"evt_1","object":"event""#, #"{"id":"evt_1","object":"event","type":"x","created":1} x"#])
    func notJSONRefused(text: String) throws {
        let error = try #require(Self.refusal(text))
        #expect(error.code == .invalidPayload)
        #expect(error.message == "the body is not valid JSON")
    }

    /// The whole body must be RFC 8259 JSON, also where the envelope reads nothing: Foundation's
    /// `JSONDecoder` let these through when the bad part was in a field it never decoded.
    @Test(arguments: [
        Self.event(object: #"{"id":"in_1","note":"\q"}"#), Self.event(object: #"{"id":"in_1","note":"\u12G4"}"#),
        Self.event(object: "{\"id\":\"in_1\",\"note\":\"tab\there\"}"), Self.event(object: #"{"id":"in_1","amount":01}"#),
        Self.event(object: #"{"id":"in_1","amount":1.}"#), Self.event(object: #"{"id":"in_1","amount":-}"#),
        Self.event(object: #"{"id":"in_1","amount":1e}"#), Self.event(object: #"{"id":"in_1","lines":[1,]}"#),
        Self.event(object: #"{"id":"in_1",}"#), #"{"id":"evt_1","object":"event","type":"x","created":00}"#, "01", #""\q""#,
    ])
    func strictJSONAnywhere(json: String) throws {
        let error = try #require(Self.refusal(json))
        #expect(error == BillingCoreError(.invalidPayload, "the body is not valid JSON"))
    }

    /// Nesting deeper than 512 is refused, however deep: exactly 513 `[` made `JSONDecoder` trap.
    @Test(arguments: [513, 514, 100_000])
    func deepNestingRefused(depth: Int) throws {
        let arrays = { (depth: Int) in String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        for body in [String(repeating: "[", count: depth), Self.event(object: arrays(depth - 2))] {
            let error = try #require(Self.refusal(body))
            #expect(error.message == "the body is not valid JSON")
        }
        // The event, `data` and `data.object` are three levels.
        let deepest = Self.event(object: #"{"id":"in_1","x":"# + arrays(509) + "}")
        #expect(try Self.decode(deepest).objectId == "in_1")
    }

    /// Strings are unescaped; a lone surrogate escape is no string, so the field is missing, as with `JSONDecoder`.
    @Test func escapesAndSurrogates() throws {
        let escaped = try Self.decode(#"{"id":"evt_\u00e9\"\\\/\n\uD83C\uDF89","object":"\u0065vent","type":"x","created":1}"#)
        #expect(escaped.id == "evt_é\"\\/\n🎉")
        for lone in [#""\uD800""#, #""\uDC00""#, #""evt_\uD83D""#, #""\uD800\u0041""#] {
            #expect(Self.refusal(#"{"id":\#(lone),"object":"event","type":"x","created":1}"#)?.message == "the event has no string \"id\"")
            let invoice = try Self.decode(Self.event(object: #"{"object":"invoice","customer":\#(lone),"note":\#(lone)}"#))
            #expect(invoice.customerId == nil && invoice.objectType == "invoice")
        }
    }

    /// Of duplicate keys the first wins, whatever its type; keys match after unescaping.
    @Test func duplicateKeys() throws {
        #expect(try Self.decode(#"{"id":"evt_a","id":"evt_b","object":"event","type":"x","created":1}"#).id == "evt_a")
        #expect(try Self.decode(#"{"i\u0064":"evt_a","id":"evt_b","object":"event","type":"x","created":1}"#).id == "evt_a")
        #expect(Self.refusal(#"{"id":5,"id":"evt_b","object":"event","type":"x","created":1}"#)?.message == "the event has no string \"id\"")
        let data = try Self.decode("""
            {"id":"evt_1","object":"event","type":"x","created":1,"data":{"object":{"id":"sub_a","object":"subscription"}},\
            "data":{"object":{"id":"sub_b","object":"subscription"}}}
            """)
        #expect(data.subscriptionId == "sub_a")
    }

    /// A leading UTF-8 byte order mark is ignored (RFC 8259 §8.1), as `JSONDecoder` did; anywhere else it is not JSON.
    @Test func byteOrderMark() throws {
        let body = Array(Self.event(object: #"{"id":"in_1"}"#).utf8)
        #expect(try EventEnvelope(decoding: [0xEF, 0xBB, 0xBF] + body).objectId == "in_1")
        #expect(Self.refusal([0x20, 0xEF, 0xBB, 0xBF] + body)?.message == "the body is not valid JSON")
    }

    /// A top-level key that is no Swift `String` made `JSONDecoder` refuse the body as not JSON; in a nested object it drops that object.
    @Test func undecodableKeys() throws {
        #expect(Self.refusal(#"{"\uD800":1,"id":"evt_1","object":"event","type":"x","created":1}"#)?.message == "the body is not valid JSON")
        let invoice = try Self.decode(Self.event(object: #"{"id":"in_1","object":"invoice","customer":{"id":"cus_1","\uDC00":1}}"#))
        #expect(invoice.objectId == "in_1" && invoice.customerId == nil)
        let dropped = try Self.decode(Self.event(object: #"{"id":"in_1","object":"invoice","\uDC00":1}"#))
        #expect(dropped.objectId == nil && dropped.objectType == nil)
    }

    /// `created` is read as `JSONDecoder` read an Int64: whole numbers in any notation, nothing fractional or out of range.
    @Test(arguments: [("1750068934", 1_750_068_934), ("1.75e9", 1_750_000_000), ("1750068934.0", 1_750_068_934), ("-0", 0)] as [(String, Int64)])
    func createdNotations(text: String, expected: Int64) throws {
        #expect(try Self.decode(#"{"id":"evt_1","object":"event","type":"x","created":\#(text)}"#).created == expected)
    }

    /// Bytes that are not UTF-8 (Latin-1, overlong, surrogate, truncated, UTF-16) are refused, even when the JSON would parse.
    @Test(arguments: [
        [UInt8](#"{"id":"evt_1","object":"event","type":"x","created":1,"name":"K"#.utf8) + [0xF8] + Array(#"rn"}"#.utf8),
        [UInt8](#"{"id":"evt_1","object":"event","type":"x","created":1,"s":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8),
        [UInt8](#"{"id":"evt_1","object":"event","type":"x","created":1,"s":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
        [UInt8](#"{"id":"evt_1","object":"event","type":"x","created":1,"s":"x"}"#.utf8) + [0xE2, 0x82],
        Array(#"{"id":"evt_1","object":"event","type":"x","created":1}"#.data(using: .utf16LittleEndian)!),
        Array(#"{"id":"evt_1","object":"event","type":"x","created":1}"#.data(using: .utf16)!),
    ])
    func notUTF8Refused(body: [UInt8]) throws {
        let error = try #require(Self.refusal(body))
        #expect(error.code == .invalidPayload)
    }

    /// Multi-byte UTF-8 in the body is fine.
    @Test func multibyteUTF8Accepted() throws {
        let envelope = try Self.decode(#"{"id":"evt_ø","object":"event","type":"x","created":1,"name":"Kærlighed 日本 🎉"}"#)
        #expect(envelope.id == "evt_ø")
    }

    /// Refusal messages never quote the body.
    @Test func messagesNeverQuoteTheBody() {
        let marker = "SECRETMARKER"
        let bodies: [String] = [
            #"{"id":"\#(marker)","object":"v2.core.event","type":"x"}"#,
            #"{"id":"\#(marker)","object":"\#(marker)","type":"x","created":1}"#,
            #"{"id":"\#(marker)","object":"event","type":"\#(marker)"}"#,
            #"{"id":"\#(marker)","object":"event","type":"x","created":"\#(marker)"}"#,
            #"["\#(marker)"]"#,
            #"{"\#(marker)"#,
            "\(marker)\u{FFFD}",
        ]
        for body in bodies {
            guard let error = Self.refusal(body) else {
                Issue.record("expected a refusal")
                continue
            }
            #expect(!error.message.contains(marker) && !"\(error)".contains(marker))
        }
    }

    /// Any byte collection decodes the same: array, slice, `Data`, a non-contiguous lazy view.
    @Test func bodyCollectionKinds() throws {
        let bytes = Array(Self.event(object: #"{"id":"sub_1","object":"subscription"}"#).utf8)
        let expected = try EventEnvelope(decoding: bytes)
        #expect(try EventEnvelope(decoding: bytes[...]) == expected)
        #expect(try EventEnvelope(decoding: Data(bytes)) == expected)
        #expect(try EventEnvelope(decoding: bytes.lazy.map { $0 }) == expected)
        #expect(expected.subscriptionId == "sub_1")
    }
}
