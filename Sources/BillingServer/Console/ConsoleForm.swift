import Foundation
import Hummingbird
import NIOCore

/// The fields of a submitted console form (`application/x-www-form-urlencoded`).
struct ConsoleForm: Sendable {
    /// Largest accepted form: a reason, a resolution and a token.
    static let maxBodyBytes = 64 * 1024

    let fields: [String: String]

    subscript(_ name: String) -> String? { fields[name] }

    /// Parses `a=1&b=two+words`; `+` is a space, `%XX` a byte; the first value of a name wins.
    init(encoded text: String) {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count == 2 ? decode(parts[1]) : "" }
        }
        self.fields = fields
    }

    /// Reads and parses the body of `request`; an oversized body is a 400.
    static func read(_ request: Request) async throws -> ConsoleForm {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: maxBodyBytes)
            return ConsoleForm(encoded: String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch is NIOTooManyBytesError {
            throw APIError.invalidRequest("the form exceeds \(maxBodyBytes) bytes")
        }
    }
}

/// Builds `path?name=value&…` with percent-encoded values, skipping empty ones.
enum ConsoleURL {
    static func make(_ path: String, _ query: [(String, String?)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let items = query.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
        return items.isEmpty ? path : path + "?" + items.joined(separator: "&")
    }

    /// A path segment (a client or event id) percent-encoded.
    static func segment(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension ConsoleURL {
    /// `target` when it is a console path of this site (a relative `/console…` path, not
    /// `//host`), for redirects after sign-in and "back" links; otherwise `nil`.
    static func safeReturn(_ target: String) -> String? {
        var path = target
        if let url = URL(string: target), url.scheme != nil {
            path = url.path + (url.query.map { "?" + $0 } ?? "")
        }
        guard path.hasPrefix("/console"), !path.hasPrefix("//"), !path.contains("\\"),
              !path.hasPrefix("/console/sign-in")
        else { return nil }
        return path
    }
}
