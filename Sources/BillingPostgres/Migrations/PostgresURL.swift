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

    /// `url` without its password, for messages (`postgresql://billing:***@host/db`).
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"),
              let at = url[scheme.upperBound...].firstIndex(of: "@") else {
            return url.split(separator: " ").map { $0.hasPrefix("password=") ? "password=***" : String($0) }
                .joined(separator: " ")
        }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return url[..<colon] + ":***" + url[at...]
    }
}
