import Foundation

/// The state of each migration: files on disk matched with `schema_migrations` rows.
public struct MigrationStatusReport: Sendable, Hashable {
    /// One file or recorded migration.
    public struct Entry: Sendable, Hashable, Codable {
        public enum State: String, Sendable, Hashable, Codable {
            /// Recorded with the file's checksum.
            case applied
            /// On disk, not recorded yet.
            case pending
            /// Recorded with a different checksum: the file was edited after it was applied.
            case changed
            /// Recorded, but no file on disk has its version.
            case missing
        }
        public let version: String
        public let file: String
        public let state: State
        /// The file's checksum (nil for `missing`).
        public let checksum: String?
        /// The recorded checksum (nil for `pending`).
        public let appliedChecksum: String?
        /// When it was applied (nil for `pending`).
        public let appliedAt: String?

        enum CodingKeys: String, CodingKey {
            case version, file, state, checksum
            case appliedChecksum = "applied_checksum"
            case appliedAt = "applied_at"
        }
    }

    /// Files in numeric order, then recorded migrations without a file.
    public let entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public func count(_ state: Entry.State) -> Int { entries.filter { $0.state == state }.count }
    /// True when every file is applied with a matching checksum and none is missing.
    public var isUpToDate: Bool { entries.allSatisfy { $0.state == .applied } }
    /// True when a file changed after it was applied or an applied file is missing.
    public var hasProblems: Bool { entries.contains { $0.state == .changed || $0.state == .missing } }

    /// A plain table with a closing summary line.
    public func renderTable() -> String {
        let header = ["VERSION", "FILE", "STATE", "APPLIED AT"]
        let rows = entries.map { [$0.version, $0.file, $0.state.rawValue, $0.appliedAt ?? "-"] }
        let widths = (0..<header.count).map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var out = ([header] + rows).map(line).joined(separator: "\n")
        out += "\n\(count(.applied)) applied, \(count(.pending)) pending, \(count(.changed)) changed, \(count(.missing)) missing\n"
        return out
    }

    /// `{"migrations":[{"version","file","state","checksum","applied_checksum","applied_at"}],"summary":{…}}`.
    public func renderJSON() -> String {
        struct Body: Encodable {
            let migrations: [Entry]
            let summary: [String: Int]
        }
        let summary = ["applied": count(.applied), "pending": count(.pending),
                       "changed": count(.changed), "missing": count(.missing)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(migrations: entries, summary: summary))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Matches files with recorded rows by version.
    static func entries(files: [MigrationFile], applied: [RecordedMigration]) -> [Entry] {
        var byVersion: [String: RecordedMigration] = [:]
        for r in applied { byVersion[r.version] = r }
        var out: [Entry] = files.map { f in
            guard let r = byVersion.removeValue(forKey: f.version) else {
                return Entry(version: f.version, file: f.fileName, state: .pending, checksum: f.checksum,
                             appliedChecksum: nil, appliedAt: nil)
            }
            return Entry(version: f.version, file: f.fileName, state: r.checksum == f.checksum ? .applied : .changed,
                         checksum: f.checksum, appliedChecksum: r.checksum, appliedAt: r.appliedAt)
        }
        for r in byVersion.values.sorted(by: { $0.version < $1.version }) {
            out.append(Entry(version: r.version, file: r.fileName, state: .missing, checksum: nil,
                             appliedChecksum: r.checksum, appliedAt: r.appliedAt))
        }
        return out
    }
}
