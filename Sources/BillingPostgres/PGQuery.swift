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
        var out = "{"
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            out += "\""
            for ch in v {
                if ch == "\"" || ch == "\\" { out.append("\\") }
                out.append(ch)
            }
            out += "\""
        }
        return out + "}"
    }

    /// `["a", nil]` → `{"a",NULL}`.
    public static func literal(_ values: [String?]) -> String {
        var out = "{"
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            if let v { out += literal([v]).dropFirst().dropLast() } else { out += "NULL" }
        }
        return out + "}"
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
