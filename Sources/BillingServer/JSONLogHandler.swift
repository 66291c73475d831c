import Foundation
import Logging

/// A `LogHandler` writing one JSON object per line to stderr (`LOG_FORMAT=json`):
/// `{"ts","level","label","message", …metadata}`. Keys are sorted so lines are stable.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Date().formatted(Self.timestamp),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = Self.plain(value)
        }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            write(String(decoding: data, as: UTF8.self))
        }
    }

    /// `2025-06-02T09:15:07Z`, as `ISO8601DateFormatter` wrote it; a value type shared by every
    /// line, where a new `ISO8601DateFormatter` per line cost more than the rest of the line.
    private static let timestamp = Date.ISO8601FormatStyle()

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(plain)
        case .dictionary(let d): return d.mapValues(plain)
        }
    }
}
