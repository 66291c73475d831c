import Foundation

/// Times given on the command line (SPEC §10): ISO 8601 (`2025-06-02T09:15:07Z`, fractions and
/// offsets allowed, or a plain date meaning midnight UTC) or Unix seconds.
public enum CLITime {
    /// Unix seconds for `text`.
    /// - Parameter flag: the flag's name, for the error message (`--since`).
    /// - Throws: `BillingJobsError` with code `usage`.
    public static func parse(_ text: String, flag: String) throws -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) { return seconds }
        for options in [ISO8601DateFormatter.Options.withInternetDateTime,
                        [.withInternetDateTime, .withFractionalSeconds], [.withFullDate]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        }
        throw BillingJobsError(.usage, "\(flag) must be an ISO 8601 time (2025-06-02T09:15:07Z) or Unix seconds, got \"\(text)\"")
    }

    /// `2025-06-02T09:15:07Z`.
    public static func iso(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = .withInternetDateTime
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// JSON text for output and `admin_actions.metadata`: stable key order, no escaped slashes.
enum JSONText {
    static func render(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A progress line (stderr in the CLI): called with a finished sentence.
public typealias ProgressSink = @Sendable (String) -> Void
