/// A SQL statement with its bind values. Interpolated values become `$n` placeholders and
/// travel separately from the SQL text, so no value is ever spliced into SQL.
///
/// ```swift
/// let q: PGQuery = "SELECT status FROM billing_events WHERE stripe_event_id = \(id)"
/// ```
/// Raw SQL fragments (identifiers chosen by the code, never by input) need `\(unsafeSQL: …)`.
public struct PGQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [String?]

    public init(unsafeSQL sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: Interpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The SQL only: bind values are not shown, so this is safe to log.
    public var description: String { sql }

    public struct Interpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }
        public mutating func appendLiteral(_ literal: String) { sql += literal }

        mutating func bind(_ text: String?) {
            binds.append(text)
            sql += "$\(binds.count)"
        }
        public mutating func appendInterpolation(_ value: String?) { bind(value) }
        public mutating func appendInterpolation(_ value: Int?) { bind(value.map { String($0) }) }
        public mutating func appendInterpolation(_ value: Int64?) { bind(value.map { String($0) }) }
        public mutating func appendInterpolation(_ value: Bool?) { bind(value.map { $0 ? "t" : "f" }) }
        public mutating func appendInterpolation(_ value: Double?) { bind(value.map { String($0) }) }
        /// A text array, bound as a PostgreSQL array literal (cast it in SQL: `\(ids)::text[]`).
        public mutating func appendInterpolation(_ value: [String]?) { bind(value.map(PGArray.literal)) }
        /// A text array whose elements may be NULL, for `unnest` of a batch's columns (cast it in
        /// SQL: `\(array: ids)::bigint[]`).
        public mutating func appendInterpolation(array value: [String?]) { bind(PGArray.literal(value)) }
        /// A raw SQL fragment. Only for text the code chose itself (identifiers, keywords).
        public mutating func appendInterpolation(unsafeSQL fragment: String) { sql += fragment }
    }
}

/// PostgreSQL array literals in text format.
public enum PGArray {
    /// `["a", "b\"c"]` → `{"a","b\"c"}`.
    public static func literal(_ values: [String]) -> String {
        literal(values.count, values.lazy.map(\.utf8.count).reduce(0, +)) { i, out in appendQuoted(values[i], to: &out) }
    }

    /// `["a", nil]` → `{"a",NULL}`.
    public static func literal(_ values: [String?]) -> String {
        literal(values.count, values.lazy.map { $0?.utf8.count ?? 4 }.reduce(0, +)) { i, out in
            if let v = values[i] { appendQuoted(v, to: &out) } else { out.append(contentsOf: "NULL".utf8) }
        }
    }

    /// Built byte by byte: `"` and `\` are ASCII, so escaping UTF-8 bytes escapes the same
    /// characters as escaping `Character`s, without a string per element (the settle statements
    /// build several of these per event).
    private static func literal(_ count: Int, _ bytes: Int, element: (Int, inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 3 * count + 2)
        out.append(UInt8(ascii: "{"))
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            element(i, &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses a one-dimensional text-format array such as `{PAST_DUE,"a b"}` (NULL elements dropped).
    public static func parse(_ text: String) -> [String] {
        var result: [String] = []
        var chars = Substring(text)
        guard chars.first == "{", chars.last == "}" else { return [] }
        chars = chars.dropFirst().dropLast()
        var current = ""
        var inQuotes = false
        var quoted = false
        var escaped = false
        for ch in chars {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\" where inQuotes: escaped = true
            case "\"": inQuotes.toggle(); quoted = true
            case "," where !inQuotes:
                if quoted || current != "NULL" { result.append(current) }
                current = ""; quoted = false
            default: current.append(ch)
            }
        }
        if !chars.isEmpty, quoted || current != "NULL" { result.append(current) }
        return result
    }
}
