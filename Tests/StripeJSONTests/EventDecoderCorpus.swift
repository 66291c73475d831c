import Foundation

/// Inputs of `EventDecoderDifferentialTests`.
enum EventCorpus {
    static let interestingBytes: [UInt8] = Array(#"{}[]:,"\/0123456789-+.eEtfnu "#.utf8)
        + [0x00, 0x01, 0x09, 0x0A, 0x0B, 0x7F, 0x80, 0xC3, 0xED, 0xEF, 0xFF]

    // MARK: - Variants of rendered events

    /// A compact rendering (`StripeEventRenderer`, sorted keys) and the same event written otherwise:
    /// references expanded into objects, whitespace between tokens, keys spelled with escapes, `type`
    /// first instead of last.
    static func variants(of body: [UInt8]) -> [[UInt8]] {
        let text = String(decoding: body, as: UTF8.self)
        var expanded = text
        for key in ["customer", "subscription"] {
            let reference = try! Regex(#""\#(key)":"([^"]*)""#)
            expanded = expanded.replacing(reference) { match in
                let id = match.output[1].substring ?? ""
                return #""\#(key)":{"id":"\#(id)","object":"\#(key)","metadata":{"client_id":"not_this_one"}}"#
            }
        }
        let spaced = text.replacingOccurrences(of: #",""#, with: ",\n\t\"").replacingOccurrences(of: #"":"#, with: "\" :\r\n ")
        var escaped = text
        for (key, spelled) in [("type", #"t\u0079pe"#), ("created", #"cr\u0065ated"#), ("client_id", #"client\u005Fid"#),
                               ("status", #"st\u0061tus"#), ("id", #"\u0069d"#)] {
            escaped = escaped.replacingOccurrences(of: #""\#(key)":"#, with: #""\#(spelled)":"#)
        }
        var typeFirst = text
        if let member = text.range(of: #","type":""#, options: .backwards) {
            let typeMember = text[text.index(after: member.lowerBound)..<text.index(before: text.endIndex)]
            typeFirst.removeSubrange(member.lowerBound..<typeFirst.index(before: typeFirst.endIndex))
            typeFirst.insert(contentsOf: typeMember + ",", at: typeFirst.index(after: typeFirst.startIndex))
        }
        return [body, Array(expanded.utf8), Array(spaced.utf8), Array(escaped.utf8), Array(typeFirst.utf8)]
    }

    // MARK: - Member mutations

    /// Each template event with each member (at every depth) and each array element removed, replaced by
    /// each of `replacements`, duplicated before and after (a few values), and each key escaped; each
    /// object also gets a key that is no Swift `String`.
    static func memberMutations() -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        for template in templates {
            bodies.append(Array(template.text.utf8))
            for (container, step) in template.slots() {
                var edits: [(inout JSONText) -> Void] = [{ $0.remove(step) }]
                edits += replacements.map { value in { $0.replace(step, with: value) } }
                if case .member(let index) = step {
                    for value in duplicates {
                        edits.append { $0.insertMember(at: index, key: nil, value: value) }
                        edits.append { $0.insertMember(at: index + 1, key: nil, value: value, duplicating: index) }
                    }
                    edits.append { $0.escapeKey(index) }
                }
                for edit in edits {
                    bodies.append(Array(template.editing(container[...], edit).text.utf8))
                }
            }
            for container in template.containers() where template.at(container[...]).isObject {
                let edited = template.editing(container[...]) { $0.appendMember(key: #"\uD800"#, value: .raw("1")) }
                bodies.append(Array(edited.text.utf8))
            }
        }
        return bodies
    }

    private static func event(type: String, object: JSONText, typeFirst: Bool = false) -> JSONText {
        var members: [(String, JSONText)] = [
            ("id", .string("evt_1")), ("object", .string("event")), ("api_version", .string("2025-03-31.basil")),
            ("created", .raw("1750000000")),
            ("data", .object([("object", object), ("previous_attributes", .object([("status", .string("trialing"))]))])),
            ("livemode", .raw("true")), ("request", .object([("id", .raw("null"))])),
        ]
        members.insert(("type", .string(type)), at: typeFirst ? 0 : members.count)
        return .object(members)
    }

    private static let subscription = JSONText.object([
        ("id", .string("sub_1")), ("object", .string("subscription")), ("customer", .string("cus_1")),
        ("status", .string("past_due")), ("trial_start", .raw("1")), ("trial_end", .raw("2")),
        ("current_period_start", .raw("10")), ("current_period_end", .raw("20")),
        ("items", .object([("object", .string("list")), ("data", .array([
            .object([("id", .string("si_1")), ("current_period_start", .raw("11")), ("current_period_end", .raw("21"))]),
            .object([("current_period_start", .raw("5")), ("current_period_end", .raw("30")), ("price", .object([("id", .string("price_1"))]))]),
        ]))])),
        ("cancel_at_period_end", .raw("false")), ("canceled_at", .raw("null")),
        ("pause_collection", .object([("behavior", .string("void")), ("resumes_at", .raw("null"))])),
        ("metadata", .object([("client_id", .string("clt_1")), ("plan", .string("pro"))])),
    ])

    private static let invoice = JSONText.object([
        ("id", .string("in_1")), ("object", .string("invoice")),
        ("customer", .object([("id", .string("cus_1")), ("object", .string("customer"))])),
        ("subscription", .string("sub_1")),
        ("subscription_details", .object([("metadata", .object([("client_id", .string("clt_sd"))]))])),
        ("parent", .object([("type", .string("subscription_details")), ("subscription_details", .object([
            ("subscription", .string("sub_p")), ("metadata", .object([("client_id", .string("clt_p"))])),
        ]))])),
        ("billing_reason", .string("subscription_cycle")), ("amount_paid", .raw("4900")), ("created", .raw("100")),
        ("metadata", .object([("client_id", .string("clt_i"))])), ("status", .string("paid")),
    ])

    private static let checkout = JSONText.object([
        ("id", .string("cs_1")), ("object", .string("checkout.session")), ("customer", .string("cus_1")),
        ("subscription", .object([("id", .string("sub_1")), ("object", .string("subscription"))])),
        ("client_reference_id", .string("clt_r")), ("metadata", .object([("client_id", .string("clt_m"))])),
        ("mode", .string("subscription")),
    ])

    private static let templates: [JSONText] = [
        event(type: "customer.subscription.updated", object: subscription),
        event(type: "customer.subscription.deleted", object: subscription, typeFirst: true),
        event(type: "invoice.paid", object: invoice),
        event(type: "invoice.payment_failed", object: invoice, typeFirst: true),
        event(type: "checkout.session.completed", object: checkout),
        event(type: "invoice.created", object: invoice),
    ]

    /// Values of every kind, and ones that only some members take.
    private static let replacements: [JSONText] = [
        "null", #""""#, #""x""#, #""\uD800""#, #""\uDC00x""#, #""a\u0000b""#, #""\u00e9""#, #""sub_9""#,
        "0", "-0", "-1", "1.5", "1.0", "1e3", "2.5e-1", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "1e19", "123456789012345678901234567890", "true", "false",
        "[]", "[null]", "[1]", "[{}]", "{}", #"{"id":"x"}"#, #"{"id":null}"#, #"{"id":5}"#, #"{"id":"\uD800"}"#,
        #"{"\uD800":1}"#, #"{"id":"x","\uDC00":1}"#, #"{"client_id":"clt_x"}"#, #"{"client_id":5}"#,
        #"{"client_id":null}"#, #"{"client_id":"a","client_id":5}"#, #"{"client_id":5,"client_id":"a"}"#,
        #"{"x":null}"#, #"{"data":[]}"#, #"{"data":null}"#, #"{"data":[null]}"#,
        #"{"data":[{"current_period_start":3,"current_period_end":99}]}"#, #"{"data":[{"current_period_start":"3"}]}"#,
        #"{"data":{}}"#, #"{"behavior":5}"#, #"{"behavior":null}"#, #"{"subscription_details":null}"#,
        #"{"subscription_details":{"subscription":{"id":"sub_x"},"metadata":{"client_id":"c"}}}"#,
        #"{"subscription_details":{"subscription":5}}"#, #"{"object":{"id":"sub_z","status":"active"}}"#,
        #""active""#, #""canceled""#, #""incomplete_expired""#, #""Active""#, #""event""#, #""invoice.paid""#,
        #""checkout.session.completed""#, #""customer.subscription.created""#,
        .raw(String(repeating: "[", count: 500) + String(repeating: "]", count: 500)),
    ]

    private static let duplicates: [JSONText] = ["null", "5", #""dup""#, #"{"id":"dup"}"#, #"{"client_id":"dup"}"#]

    // MARK: - Small events (every byte replaced)

    static let smallEvents = [
        #"{"id":"evt_1","object":"event","created":1750000000,"livemode":false,"type":"customer.subscription.updated","data":{"object":{"id":"sub_1","customer":"cus_1","status":"active","trial_end":2,"items":{"data":[{"current_period_start":10,"current_period_end":20}]},"cancel_at_period_end":true,"pause_collection":{"behavior":"void"},"metadata":{"client_id":"c1"}}}}"#,
        #"{"id":"evt_2","object":"event","created":1750000001,"livemode":true,"type":"invoice.paid","data":{"object":{"id":"in_1","customer":{"id":"cus_1"},"subscription":null,"subscription_details":{"metadata":{}},"parent":{"subscription_details":{"subscription":"sub_1","metadata":{"client_id":"c2"}}},"billing_reason":"subscription_create","amount_paid":0,"created":5}}}"#,
        #"{"id":"evt_3","object":"event","created":1750000002,"livemode":false,"type":"checkout.session.completed","data":{"object":{"id":"cs_1","customer":"cus_1","subscription":{"id":"sub_1"},"client_reference_id":"c3","metadata":{"client_id":"c3","n":"1"}}}}"#,
    ]

    // MARK: - Edge cases

    private static func ignored(_ extra: String = "", id: String = #""evt_1""#, created: String = "1") -> [UInt8] {
        Array(#"{"id":\#(id),"object":"event","type":"x","created":\#(created),"livemode":false\#(extra)}"#.utf8)
    }

    private static func acted(_ type: String, _ object: String, extra: String = "") -> [UInt8] {
        Array(#"{"id":"evt_1","object":"event","type":"\#(type)","created":1,"livemode":true,"data":{"object":\#(object)}\#(extra)}"#.utf8)
    }

    private static func subscription(_ members: String) -> [UInt8] {
        acted("customer.subscription.updated", #"{"id":"sub_1","status":"active"\#(members)}"#)
    }

    private static func invoice(_ members: String, created: String = "5") -> [UInt8] {
        acted("invoice.paid", #"{"id":"in_1","created":\#(created)\#(members)}"#)
    }

    private static func nested(_ depth: Int, open: String, close: String, inner: String = "1") -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    static let edgeCases: [[UInt8]] = {
        var bodies: [[UInt8]] = []
        let plain = ignored()
        // Whole bodies: other values, byte order marks, whitespace, trailing bytes, other encodings.
        for text in ["", " ", "null", "true", "1", #""event""#, "[]", "{}", " {\t}\r\n"] { bodies.append(Array(text.utf8)) }
        bodies += [[0xEF, 0xBB, 0xBF] + plain, [0xEF, 0xBB, 0xBF, 0x20] + plain, [0x20, 0xEF, 0xBB, 0xBF] + plain,
                   Array(" \t\r\n".utf8) + plain + Array(" \n".utf8), [0x0B] + plain, [0x0C] + plain, [0xC2, 0xA0] + plain,
                   plain + [0], plain + plain, plain + Array("x".utf8), Array("[".utf8) + plain + Array("]".utf8)]
        let text = String(decoding: plain, as: UTF8.self)
        for encoding: String.Encoding in [.utf16LittleEndian, .utf16BigEndian, .utf16, .utf32LittleEndian, .utf32BigEndian] {
            bodies.append(Array(text.data(using: encoding)!))
        }
        // Not JSON where JSONDecoder never looks.
        for junk in [#"[1,]"#, #"{"a":1,}"#, #""\q""#, "\"a\u{01}b\"", "\"a\u{0}b\"", "01", "1.", "-", "1e", "+1", ".5", "0x1"] {
            bodies.append(ignored(#","x":\#(junk)"#))
        }
        bodies.append(Array(#"{"id":"evt_1","object":"event","type":"x","created":1,"livemode":false,}"#.utf8))
        bodies.append(Array(#"{"id":"evt_1","object":"event","type":"x","created":1,"livemode":false,"x":""#.utf8) + [0xFF, 0x22, 0x7D])
        bodies.append(Array(#"{"id":"evt_\#u{1}","object":"event","type":"x","created":1,"livemode":false}"#.utf8))
        // Required members: missing, null, of another type; accepted oddities.
        let required = [#""id":"evt_1""#, #""object":"event""#, #""type":"x""#, #""created":1"#, #""livemode":false"#]
        for index in required.indices {
            var members = required
            members.remove(at: index)
            bodies.append(Array("{\(members.joined(separator: ","))}".utf8))
            for value in ["null", "5", #""5""#, "true", "[]", "{}", "1.5", "1.0", #""\uD800""#, #""""#] {
                members = required
                members[index] = String(required[index].prefix { $0 != ":" }) + ":" + value
                bodies.append(Array("{\(members.joined(separator: ","))}".utf8))
            }
        }
        for object in [#""Event""#, #""event ""#, #""\u0065vent""#, #""ev\u0000ent""#, #""v2.core.event""#] {
            bodies.append(Array(#"{"id":"evt_1","object":\#(object),"type":"x","created":1,"livemode":false}"#.utf8))
        }
        // Duplicates (the first wins), escaped and odd keys.
        for members in [#""id":"evt_a","id":"evt_b""#, #""id":"evt_a","id":5"#, #""id":5,"id":"evt_b""#, #""id":null,"id":"evt_b""#,
                        #""i\u0064":"evt_a","id":"evt_b""#, #""id\u0000":"evt_a","id":"evt_b""#, #""":"evt_a","id":"evt_b""#,
                        #""object":"x","object":"event","id":"evt_1""#, #""object":"event","object":"x","id":"evt_1""#,
                        #""livemode":true,"livemode":"yes","id":"evt_1""#, #""\uD800":1,"id":"evt_1""#, #""\uDC00\uD800":1,"id":"evt_1""#] {
            bodies.append(Array(#"{\#(members),"object":"event","type":"x","created":1,"livemode":false}"#.utf8))
        }
        // `type`: acted on only when spelled exactly (escapes resolved).
        let object = #"{"id":"in_1","created":5}"#
        for type in [#"invoice.paid"#, #"invoice\u002epaid"#, #"INVOICE.PAID"#, #"invoice.paid "#, #"invoice.paid\u0000"#, ""] {
            bodies += [acted(type, object), acted(type, "null"), Array(#"{"id":"evt_1","object":"event","type":"\#(type)","created":1,"livemode":false}"#.utf8)]
        }
        // `data`: read only for acted-on types.
        for data in ["null", "[]", #""x""#, "{}", #"{"object":null}"#, #"{"object":[]}"#, #"{"object":"in_1"}"#, #"{"\uD800":1,"object":{}}"#,
                     #"{"object":{"\uD800":1}}"#, #"{"object":{"id":"in_1","created":5,"\uDBFF\uDFFF":1}}"#] {
            bodies += [ignored(#","data":\#(data)"#),
                       Array(#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1,"livemode":false,"data":\#(data)}"#.utf8)]
        }
        bodies += [acted("invoice.paid", object, extra: #","data":null"#),
                   Array(#"{"data":null,"data":{"object":{"id":"in_1","created":5}},"id":"e","object":"event","type":"invoice.paid","created":1,"livemode":false}"#.utf8)]
        // `created` as JSONDecoder reads an Int64.
        for created in ["-0", "1.0", "1e3", "1E+2", "1.5", "1e-400", "1e400", "9223372036854775807", "9223372036854775808",
                        "-9223372036854775808", "-9223372036854775809", "9007199254740993", "9007199254740993.0", "9007199254740993.5",
                        "9007199254740993000e-3", "18446744073709551615e-1", "0.0000001e7", "2.00000000000000000001", #""1""#] {
            bodies += [ignored(created: created), invoice("", created: created)]
            bodies.append(subscription(#","trial_end":\#(created)"#))
        }
        // Metadata: every first value a string; duplicate keys compared as Swift strings (canonical equivalence).
        for metadata in [#"{}"#, #"{"client_id":""}"#, #"{"client_id":"\u00e9\n"}"#, #"{"client\u005fid":"c"}"#, #"{"a":1}"#,
                         #"{"a":"x","a":1}"#, #"{"a":1,"a":"x"}"#, #"{"é":"x","e\u0301":5}"#, #"{"e\u0301":5,"é":"x"}"#,
                         #"{"K":"x","\u212A":5}"#, #"{"\u212A":5,"K":"x"}"#, #"{"client_id":"a","client_id":"b"}"#,
                         #"{"client_id":"a","client_id":[1,{"x":null}]}"#, #"{"client_id":null,"client_id":"a"}"#,
                         #"{"a":"x","b":"y","a":null,"c":"z","b":[]}"#, #"{"a":"x","b":"y","c":null}"#, #"{"\uD800":"x"}"#,
                         #"{"a":"\uD800"}"#, #"{"a":"x","a":"\uD800"}"#, #"{ "client_id" : "c" , "b" : "d" }"#, "[]", #""x""#] {
            bodies += [subscription(#","metadata":\#(metadata)"#), invoice(#","subscription_details":{"metadata":\#(metadata)}"#),
                       invoice(#","parent":{"subscription_details":{"metadata":\#(metadata)}}"#),
                       acted("checkout.session.completed", #"{"id":"cs_1","metadata":\#(metadata)}"#)]
        }
        // Items and the period.
        for members in [#","items":{"data":[]}"#, #","items":{"data":[{}]}"#, #","items":{"data":[null]}"#, #","items":{}"#,
                        #","items":{"data":null}"#, #","items":null"#, #","items":{"data":[{"current_period_start":null}]}"#,
                        #","items":{"data":[{"current_period_start":5},{"current_period_end":7},{"current_period_start":3,"current_period_end":2}]}"#,
                        #","current_period_start":9,"items":{"data":[{"current_period_start":5,"current_period_end":6}]}"#,
                        #","items":{"data":[{"current_period_start":1.5}]}"#, #","items":{"data":[1]}"#, #","items":{"data":{}}"#,
                        #","items":{"data":[{"\uD800":1}]}"#, #","items":{"\uD800":1,"data":[]}"#, #","items":{"data":[ { } , { "current_period_end" : 4 } ]}"#] {
            bodies.append(subscription(members))
        }
        // pause_collection, cancel_at_period_end, status.
        for members in [#","pause_collection":{}"#, #","pause_collection":null"#, #","pause_collection":{"behavior":null}"#,
                        #","pause_collection":{"behavior":5}"#, #","pause_collection":[]"#, #","pause_collection":"void""#,
                        #","pause_collection":{"\uD800":1}"#, #","cancel_at_period_end":null"#, #","cancel_at_period_end":1"#,
                        #","status":"canceled""#] {
            bodies.append(subscription(members))
        }
        for status in ["incomplete", "incomplete_expired", "trialing", "past_due", "unpaid", "paused", "canceled", "cancelled", "", #"\u0061ctive"#] {
            bodies.append(acted("customer.subscription.created", #"{"id":"sub_1","status":"\#(status)"}"#))
        }
        // An invoice's subscription and subscription metadata in both shapes.
        for members in [#","subscription":null,"parent":{"subscription_details":{"subscription":"sub_p"}}"#,
                        #","subscription":"sub_s","parent":{"subscription_details":{"subscription":"sub_p"}}"#,
                        #","subscription":{"id":"sub_x"},"parent":{"subscription_details":{"subscription":{"id":"sub_p"}}}"#,
                        #","subscription":{"object":"subscription"}"#, #","subscription":"""#, #","parent":null"#, #","parent":"x""#,
                        #","parent":{}"#, #","parent":{"subscription_details":"x"}"#, #","parent":{"subscription_details":{}}"#,
                        #","subscription_details":{},"parent":{"subscription_details":{"metadata":{"client_id":"c_p"}}}"#,
                        #","subscription_details":{"metadata":{"client_id":"c_s"}},"parent":{"subscription_details":{"metadata":{"client_id":"c_p"}}}"#,
                        #","subscription_details":{"metadata":null},"parent":{"subscription_details":{"metadata":{"client_id":"c_p"}}}"#,
                        #","subscription_details":{"subscription":5}"#, #","subscription_details":null"#, #","amount_paid":-5"#,
                        #","amount_paid":null"#, #","amount_paid":4900.0"#, #","billing_reason":null"#, #","billing_reason":"manual""#,
                        #","customer":{"id":"cus_x","object":"customer","id":"cus_y"}"#, #","customer":{"id":"cus_x","\uD800":1}"#,
                        #","customer":"\uD83D\uDE00""#, #","customer":"\uD83D""#] {
            bodies.append(invoice(members))
        }
        // Nesting around the limit of 512: in a skipped member, and in what the decoder walks itself.
        for depth in [509, 510, 511, 512] {
            bodies += [ignored(#","x":"# + nested(depth, open: "[", close: "]")),
                       ignored(#","x":"# + nested(depth, open: #"{"a":"#, close: "}")),
                       subscription(#","metadata":{"client_id":"c","client_id":"# + nested(depth - 3, open: "[", close: "]") + "}"),
                       subscription(#","items":{"data":[{"x":"# + nested(depth - 5, open: "[", close: "]") + "}]}"),
                       subscription(#","items":{"data":["# + nested(depth - 4, open: "[", close: "]") + "]}")]
        }
        for depth in [1, 511, 512, 514, 600] { bodies.append(Array(String(repeating: "[", count: depth).utf8)) }
        bodies.append(Array(String(repeating: "[", count: 100_000).utf8))
        bodies.append(Array(String(repeating: #"{"a":"#, count: 50_000).utf8))
        return bodies
    }()
}

// MARK: - JSON text

/// JSON text built member by member, so that tests can write what `JSONSerialization` cannot: duplicate
/// keys, escaped keys, lone surrogates, exact numbers.
indirect enum JSONText: ExpressibleByStringLiteral {
    /// A scalar (or any text), written as is.
    case raw(String)
    /// Members in order; keys are string content (escapes allowed), without quotes.
    case object([(String, JSONText)])
    case array([JSONText])

    enum Step { case member(Int), element(Int) }

    init(stringLiteral value: String) { self = .raw(value) }

    static func string(_ content: String) -> JSONText { .raw("\"\(content)\"") }

    var text: String {
        switch self {
        case .raw(let text): text
        case .object(let members): "{" + members.map { "\"\($0.0)\":\($0.1.text)" }.joined(separator: ",") + "}"
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        }
    }

    var isObject: Bool {
        if case .object = self { true } else { false }
    }

    /// Every member and element at every depth, as (the path of its container, its step there).
    func slots(_ prefix: [Step] = []) -> [(container: [Step], step: Step)] {
        switch self {
        case .raw: return []
        case .object(let members):
            return members.indices.flatMap { index in
                [(prefix, Step.member(index))] + members[index].1.slots(prefix + [.member(index)])
            }
        case .array(let elements):
            return elements.indices.flatMap { index in
                [(prefix, Step.element(index))] + elements[index].slots(prefix + [.element(index)])
            }
        }
    }

    /// The paths of every object and array, the top level included.
    func containers() -> [[Step]] {
        [[]] + slots().compactMap { slot in
            let path = slot.container + [slot.step]
            if case .raw = at(path[...]) { return nil }
            return path
        }
    }

    func at(_ path: ArraySlice<Step>) -> JSONText {
        guard let step = path.first else { return self }
        switch (self, step) {
        case (.object(let members), .member(let index)): return members[index].1.at(path.dropFirst())
        case (.array(let elements), .element(let index)): return elements[index].at(path.dropFirst())
        default: return self
        }
    }

    /// A copy with `edit` applied to the container at `path`.
    func editing(_ path: ArraySlice<Step>, _ edit: (inout JSONText) -> Void) -> JSONText {
        guard let step = path.first else {
            var copy = self
            edit(&copy)
            return copy
        }
        switch (self, step) {
        case (.object(var members), .member(let index)):
            members[index].1 = members[index].1.editing(path.dropFirst(), edit)
            return .object(members)
        case (.array(var elements), .element(let index)):
            elements[index] = elements[index].editing(path.dropFirst(), edit)
            return .array(elements)
        default:
            return self
        }
    }

    mutating func remove(_ step: Step) {
        switch (self, step) {
        case (.object(var members), .member(let index)): members.remove(at: index); self = .object(members)
        case (.array(var elements), .element(let index)): elements.remove(at: index); self = .array(elements)
        default: break
        }
    }

    mutating func replace(_ step: Step, with value: JSONText) {
        switch (self, step) {
        case (.object(var members), .member(let index)): members[index].1 = value; self = .object(members)
        case (.array(var elements), .element(let index)): elements[index] = value; self = .array(elements)
        default: break
        }
    }

    /// Inserts a member at `index` with the key of the member now at `duplicating` (default: `index`).
    mutating func insertMember(at index: Int, key: String?, value: JSONText, duplicating: Int? = nil) {
        guard case .object(var members) = self else { return }
        members.insert((key ?? members[duplicating ?? index].0, value), at: index)
        self = .object(members)
    }

    mutating func appendMember(key: String, value: JSONText) {
        guard case .object(var members) = self else { return }
        members.append((key, value))
        self = .object(members)
    }

    /// Spells the key's first character as a `\u` escape.
    mutating func escapeKey(_ index: Int) {
        guard case .object(var members) = self, let first = members[index].0.unicodeScalars.first, first.isASCII,
              first != "\\" else { return }
        let hex = String(first.value, radix: 16)
        members[index].0 = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex + members[index].0.unicodeScalars.dropFirst().map(String.init).joined()
        self = .object(members)
    }
}
