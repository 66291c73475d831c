/// Splits a SQL script into statements, for files that run outside a transaction (each
/// statement must then be sent on its own: PostgreSQL runs a multi-statement string as one
/// implicit transaction, where `CREATE INDEX CONCURRENTLY` is refused).
///
/// Understands `--` and nested `/* */` comments, `'…'` and `E'…'` strings, `"…"`
/// identifiers and `$tag$…$tag$` bodies, so semicolons inside them do not split.
enum SQLScript {
    static func statements(_ sql: String) -> [String] {
        let b = Array(sql.utf8)
        var out: [String] = []
        var start = 0
        var i = 0
        var hasCode = false
        func flush(_ end: Int) {
            if hasCode, let s = String(validating: b[start..<end], as: UTF8.self) {
                out.append(s.trimmingWhitespace())
            }
            hasCode = false
        }
        while i < b.count {
            let c = b[i]
            let next: UInt8? = i + 1 < b.count ? b[i + 1] : nil
            switch c {
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                while i < b.count, b[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                i = skipBlockComment(b, from: i)
                continue
            case UInt8(ascii: "'"):
                let escapes = i > 0 && (b[i - 1] == UInt8(ascii: "E") || b[i - 1] == UInt8(ascii: "e"))
                i = skipQuoted(b, from: i, quote: c, backslashEscapes: escapes)
                hasCode = true
                continue
            case UInt8(ascii: "\""):
                i = skipQuoted(b, from: i, quote: c, backslashEscapes: false)
                hasCode = true
                continue
            case UInt8(ascii: "$"):
                hasCode = true
                if let end = skipDollarQuoted(b, from: i) { i = end; continue }
            case UInt8(ascii: ";"):
                flush(i)
                start = i + 1
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                hasCode = true
            }
            i += 1
        }
        flush(b.count)
        return out
    }

    private static func skipBlockComment(_ b: [UInt8], from start: Int) -> Int {
        var depth = 0
        var i = start
        while i < b.count {
            if b[i] == UInt8(ascii: "/"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "*") { depth += 1; i += 2; continue }
            if b[i] == UInt8(ascii: "*"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "/") {
                depth -= 1; i += 2
                if depth == 0 { return i }
                continue
            }
            i += 1
        }
        return i
    }

    private static func skipQuoted(_ b: [UInt8], from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var i = start + 1
        while i < b.count {
            if backslashEscapes, b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == quote {
                if i + 1 < b.count, b[i + 1] == quote { i += 2; continue }
                return i + 1
            }
            i += 1
        }
        return i
    }

    /// The index after the closing `$tag$`, or nil when `$` does not open a dollar quote.
    private static func skipDollarQuoted(_ b: [UInt8], from start: Int) -> Int? {
        if start > 0, isIdentifierByte(b[start - 1]) { return nil }
        var j = start + 1
        while j < b.count, b[j] != UInt8(ascii: "$") {
            let ok = isIdentifierByte(b[j]) && !(j == start + 1 && isDigit(b[j]))
            guard ok else { return nil }
            j += 1
        }
        guard j < b.count else { return nil }
        let tag = Array(b[start...j])
        var i = j + 1
        while i + tag.count <= b.count {
            if b[i] == UInt8(ascii: "$"), Array(b[i..<(i + tag.count)]) == tag { return i + tag.count }
            i += 1
        }
        return b.count
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    private static func isIdentifierByte(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_") || c >= 0x80
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
