import Foundation

/// One versioned SQL file, `NNNN_description.sql`, as read from the migrations directory.
public struct MigrationFile: Sendable, Hashable {
    /// The digits of the file name as written (`"0003"`); the key in `schema_migrations`.
    public let version: String
    /// The file name (`0003_add_index.sql`).
    public let fileName: String
    /// The file's text.
    public let sql: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public let checksum: String
    /// False when the first line is the no-transaction marker (`-- migrate:no-transaction`):
    /// the statements then run one by one outside a transaction (for `CREATE INDEX CONCURRENTLY`).
    public let runsInTransaction: Bool

    /// Numeric order: `9` sorts before `00010`, whatever the number of leading zeros.
    var sortKey: (Int, String) {
        let trimmed = version.drop { $0 == "0" }
        return (trimmed.count, String(trimmed))
    }

    /// Parses a file's contents. `fileName` must already be a valid migration name.
    public init(version: String, fileName: String, contents: [UInt8]) throws(MigrationError) {
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw MigrationError(.unreadableFile, file: fileName, message: "the file is not valid UTF-8 text")
        }
        self.version = version
        self.fileName = fileName
        self.sql = text
        self.checksum = SHA256.hex(contents)
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let marker = firstLine.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        self.runsInTransaction = marker != MigrationDirectory.noTransactionMarker
    }
}

/// The migrations directory: `NNNN_description.sql` files (four or more digits, applied in
/// numeric order) and the committed `schema.snapshot`.
///
/// Rule for other entries: hidden entries (`.gitkeep`), `schema.snapshot` and `*.md` notes
/// are ignored; anything else — including a `.sql` file with a malformed name, which would
/// otherwise be silently skipped — is an `invalid_file_name` error.
public struct MigrationDirectory: Sendable {
    /// The first-line marker that makes a file run outside a transaction.
    public static let noTransactionMarker = "-- migrate:no-transaction"
    /// The snapshot's file name inside the directory.
    public static let snapshotFileName = "schema.snapshot"

    public let url: URL

    public init(url: URL) { self.url = url }

    /// `<dir>/schema.snapshot`.
    public var snapshotURL: URL { url.appendingPathComponent(Self.snapshotFileName) }

    /// Reads every migration file, in numeric order, validating names and versions.
    public func files() throws(MigrationError) -> [MigrationFile] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue,
              let names = try? fm.contentsOfDirectory(atPath: url.path) else {
            throw MigrationError(.directoryNotFound,
                                 message: "migrations directory \(url.path) does not exist (set --dir or BILLING_MIGRATIONS_DIR)")
        }
        var files: [MigrationFile] = []
        for name in names.sorted() where !Self.isIgnored(name) {
            guard let version = Self.version(ofFileName: name) else {
                throw MigrationError(.invalidFileName, file: name, message:
                    "not a migration file name: expected NNNN_description.sql (four or more digits, then letters, digits, _ or -); move or rename it")
            }
            guard let data = fm.contents(atPath: url.appendingPathComponent(name).path) else {
                throw MigrationError(.unreadableFile, file: name, message: "the file cannot be read")
            }
            files.append(try MigrationFile(version: version, fileName: name, contents: Array(data)))
        }
        files.sort { $0.sortKey < $1.sortKey }
        for (a, b) in zip(files, files.dropFirst()) where a.sortKey == b.sortKey {
            throw MigrationError(.duplicateVersion, file: b.fileName,
                                 message: "has the same version number as \(a.fileName); give one of them a new number")
        }
        return files
    }

    static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name == snapshotFileName || name.lowercased().hasSuffix(".md")
    }

    /// `"0003"` for `0003_add_index.sql`; nil when the name is not a migration name.
    static func version(ofFileName name: String) -> String? {
        guard name.hasSuffix(".sql") else { return nil }
        let stem = name.dropLast(4)
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 4 else { return nil }
        let rest = stem.dropFirst(digits.count)
        guard rest.first == "_" else { return nil }
        let description = rest.dropFirst()
        guard !description.isEmpty,
              description.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else { return nil }
        return String(digits)
    }
}
