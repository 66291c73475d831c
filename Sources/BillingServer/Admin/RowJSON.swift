import Foundation
import Hummingbird

/// Rows rendered by PostgreSQL (`to_jsonb(row)`, `jsonb_build_object`) turned into response
/// objects. Column names stay as they are; timestamps become ISO 8601 strings in UTC with a `Z`.
enum RowJSON {
    /// Parses one JSON object rendered by PostgreSQL and normalises its timestamps
    /// (everywhere except inside `payload`, which is Stripe's own text).
    static func object(_ text: String?) -> [String: Any] {
        guard let text, let data = text.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return [:] }
        return normalised(object)
    }

    private static func normalised(_ object: [String: Any]) -> [String: Any] {
        var out = object
        for (key, value) in object where key != "payload" {
            if let s = value as? String {
                out[key] = timestamp(s)
            } else if let nested = value as? [String: Any] {
                out[key] = normalised(nested)
            }
        }
        return out
    }

    /// `2025-06-02T09:15:07.123456+00:00` → `2025-06-02T09:15:07.123456Z`; other strings unchanged.
    static func timestamp(_ s: String) -> String {
        let chars = Array(s.utf8)
        guard chars.count >= 25, s.hasSuffix("+00:00"), chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              chars[10] == UInt8(ascii: "T"), chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":")
        else { return s }
        return String(s.dropLast(6)) + "Z"
    }

    /// Unix seconds as an ISO 8601 string (`nil` stays `nil`), for audit snapshots.
    static func iso(_ seconds: Int64?) -> Any {
        guard let seconds else { return NSNull() }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// JSON text of `object` with sorted keys (for jsonb binds such as audit metadata).
    static func text(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A 200 (or `status`) response holding one object rendered by PostgreSQL.
    static func response(_ text: String?, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.make(status: status, object: object(text))
    }
}
