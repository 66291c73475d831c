/// Helpers for libpq connection strings, used to reach another database on the same server
/// (the shadow database of `migrate verify`, the per-test databases of the test support).
public enum PostgresURL {
    /// `url` with its database name replaced by `database`.
    ///
    /// Works for URLs (`postgresql://user@host:5432/postgres?sslmode=disable` →
    /// `…/shadow_1?sslmode=disable`, multi-host URLs included) and for keyword/value strings
    /// (`host=… dbname=postgres` → `… dbname=shadow_1`, the last `dbname` wins in libpq).
    /// `database` must be a plain identifier (letters, digits, `_`).
    public static func replacingDatabase(in url: String, with database: String) -> String {
        guard let scheme = url.range(of: "://"),
              url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            return url + " dbname=" + database
        }
        let afterScheme = url[scheme.upperBound...]
        let queryStart = afterScheme.firstIndex(of: "?") ?? url.endIndex
        let authorityAndPath = url[scheme.upperBound..<queryStart]
        let authority = authorityAndPath.firstIndex(of: "/").map { url[scheme.upperBound..<$0] } ?? authorityAndPath
        return url[..<scheme.upperBound] + authority + "/" + database + url[queryStart...]
    }

    /// `url` without its secrets, for messages.
    ///
    /// - URLs: the password of the user info (`postgresql://billing:***@host/db`; the last `@`
    ///   before the query ends the user info, so a raw `@` in a password is covered), and every
    ///   `password=` query parameter (`?password=***`), also when the user info has no password
    ///   (`postgresql://billing@host/db?password=***`).
    /// - Keyword/value strings: the value of `password`, quoted (`password='a b'`) or not, with or
    ///   without spaces around `=`.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"),
              url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            return redactedKeywordValue(url)
        }
        let rest = url[scheme.upperBound...]
        let queryStart = rest.firstIndex(of: "?") ?? url.endIndex
        var out = String(url[..<scheme.upperBound])
        if let at = rest[..<queryStart].lastIndex(of: "@") {
            let userInfo = url[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                out += url[scheme.upperBound..<colon] + ":***" + url[at..<queryStart]
            } else {
                out += url[scheme.upperBound..<queryStart]
            }
        } else {
            out += url[scheme.upperBound..<queryStart]
        }
        guard queryStart < url.endIndex else { return out }
        let query = url[url.index(after: queryStart)...]
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            let key = parameter.prefix { $0 != "=" }.lowercased()
            return key == "password" || key == "sslpassword" ? key + "=***" : String(parameter)
        }
        return out + "?" + parameters.joined(separator: "&")
    }

    /// `password` values of a libpq keyword/value string replaced by `***`; everything else kept.
    private static func redactedKeywordValue(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            // Copy whitespace, then read one keyword.
            if chars[i].isWhitespace { out.append(chars[i]); i += 1; continue }
            var keyword = ""
            while i < chars.count, !chars[i].isWhitespace, chars[i] != "=" { keyword.append(chars[i]); i += 1 }
            out += keyword
            var j = i
            while j < chars.count, chars[j].isWhitespace { j += 1 }
            guard j < chars.count, chars[j] == "=" else { continue }
            out += String(chars[i...j])  // spaces and "="
            i = j + 1
            while i < chars.count, chars[i].isWhitespace { out.append(chars[i]); i += 1 }
            // The value: quoted (backslash escapes) or up to the next whitespace.
            var value = ""
            if i < chars.count, chars[i] == "'" {
                value.append("'"); i += 1
                while i < chars.count, chars[i] != "'" {
                    if chars[i] == "\\", i + 1 < chars.count { value.append(chars[i]); i += 1 }
                    value.append(chars[i]); i += 1
                }
                if i < chars.count { value.append("'"); i += 1 }
            } else {
                while i < chars.count, !chars[i].isWhitespace { value.append(chars[i]); i += 1 }
            }
            let secret = ["password", "sslpassword"].contains(keyword.lowercased())
            out += secret ? (value.hasPrefix("'") ? "'***'" : "***") : value
        }
        return out
    }
}
