import BillingPostgres
import Foundation
import Hummingbird

/// `limit` and `cursor` of a list route (SPEC §7, §10): `limit` defaults to 50, at most 500
/// (above is 400 `invalid_request`); the cursor is opaque to clients — base64url of the last
/// row's sort key — and answered as `next_cursor` (`null` on the last page).
struct PageRequest: Sendable {
    static let defaultLimit = 50
    static let maxLimit = 500

    let limit: Int
    /// The sort key of the last row of the previous page.
    let after: String?

    init(_ query: [String: String]) throws {
        if let raw = query["limit"] {
            guard let value = Int(raw), value >= 1 else { throw APIError.invalidRequest("`limit` must be a positive integer") }
            guard value <= Self.maxLimit else { throw APIError.invalidRequest("`limit` must be at most \(Self.maxLimit)") }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        if let raw = query["cursor"], !raw.isEmpty {
            guard let key = Cursor.decode(raw) else { throw APIError.invalidRequest("`cursor` is not a cursor this API issued") }
            after = key
        } else {
            after = nil
        }
    }

    /// The previous page's last id, for lists ordered by a bigint id.
    func afterId() throws -> Int64? {
        guard let after else { return nil }
        guard let id = Int64(after) else { throw APIError.invalidRequest("`cursor` is not a cursor this API issued") }
        return id
    }
}

/// Opaque page cursors: `base64url("v1:" + key)`.
enum Cursor {
    static func encode(_ key: String) -> String {
        Base64URL.encode(Array(("v1:" + key).utf8))
    }

    static func decode(_ cursor: String) -> String? {
        guard let bytes = Base64URL.decode(cursor), let text = String(bytes: bytes, encoding: .utf8),
              text.hasPrefix("v1:")
        else { return nil }
        return String(text.dropFirst(3))
    }
}

extension RowPage {
    /// The cursor of the next page (`nil` on the last page).
    var nextCursor: String? {
        hasMore ? rows.last.map { Cursor.encode($0.key) } : nil
    }

    /// `{"data":[…],"next_cursor":…|null}`, each row rendered by `render`.
    func response(_ render: (String?) -> [String: Any] = RowJSON.object) -> Response {
        let next: Any = nextCursor ?? NSNull()
        return JSONResponse.make(status: .ok, object: ["data": rows.map { render($0.json) }, "next_cursor": next])
    }
}

extension Request {
    /// The query parameters as a dictionary (the last value wins when a name repeats).
    var queryDictionary: [String: String] {
        var out: [String: String] = [:]
        for (key, value) in uri.queryParameters { out[String(key)] = String(value) }
        return out
    }
}
