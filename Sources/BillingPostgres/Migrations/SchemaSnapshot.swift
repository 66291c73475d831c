/// A deterministic text description of a database's `public` schema, written from the
/// catalog (not `pg_dump`, whose output varies between versions): enums with their values in
/// order, functions, tables, columns (type, nullability, default, identity), constraints,
/// indexes, triggers and views. One object per line: `kind name: definition`.
///
/// Two snapshots are compared object by object (`drift(from:)`), so a report says which
/// column, index or trigger differs rather than that "the schema changed".
public struct SchemaSnapshot: Sendable, Hashable {
    /// One schema object: `column clients.business_name: text not null`.
    public struct Object: Sendable, Hashable {
        /// `enum`, `function`, `table`, `column`, `constraint`, `index`, `trigger`, `view`.
        public let kind: String
        /// Qualified by table where it applies (`clients.business_name`).
        public let name: String
        public let definition: String

        public init(kind: String, name: String, definition: String) {
            self.kind = kind
            self.name = name
            self.definition = definition
        }

        /// The identity of the object: kind and name.
        public var key: String { "\(kind) \(name)" }
        /// The object's line in the snapshot file.
        public var line: String { definition.isEmpty ? key : "\(key): \(definition)" }
    }

    /// The objects in file order (enums, functions, then table by table).
    public let objects: [Object]

    public init(objects: [Object]) { self.objects = objects }

    /// Parses a snapshot file's text. Blank lines and `#` comments are skipped.
    public init(parsing text: String) {
        var objects: [Object] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { continue }
            let (key, definition): (Substring, String)
            if let sep = line.range(of: ": ") {
                key = line[..<sep.lowerBound]
                definition = String(line[sep.upperBound...])
            } else {
                key = Substring(line)
                definition = ""
            }
            let kind = key.prefix { $0 != " " }
            let name = key.dropFirst(kind.count).drop { $0 == " " }
            objects.append(Object(kind: String(kind), name: String(name), definition: definition))
        }
        self.objects = objects
    }

    /// The snapshot file's text: a header, then one line per object, a blank line between tables.
    public func rendered() -> String {
        var out = """
        # Schema snapshot of migrations/, written by `billing-worker migrate verify --update-snapshot`.
        # Do not edit by hand: `migrate verify` compares a throwaway database migrated from scratch with it.


        """
        var previousKind: String?
        for object in objects {
            let startsGroup = object.kind == "table" || (Self.topLevelKinds.contains(object.kind) && object.kind != previousKind)
            if previousKind != nil, startsGroup { out += "\n" }
            previousKind = object.kind
            out += object.line + "\n"
        }
        return out
    }

    private static let topLevelKinds: Set<String> = ["enum", "function", "table", "view"]

    /// What differs in `self` (the actual schema) compared with `expected`, object by object:
    /// missing objects and changed definitions in `expected`'s order, then unexpected ones.
    public func drift(from expected: SchemaSnapshot) -> [SchemaDrift] {
        var actual: [String: Object] = [:]
        for o in objects { actual[o.key] = o }
        var expectedKeys = Set<String>()
        var result: [SchemaDrift] = []
        for e in expected.objects {
            expectedKeys.insert(e.key)
            guard let a = actual[e.key] else {
                result.append(SchemaDrift(kind: e.kind, name: e.name, change: .missing(expected: e.definition)))
                continue
            }
            if a.definition != e.definition {
                result.append(SchemaDrift(kind: e.kind, name: e.name,
                                          change: .changed(expected: e.definition, actual: a.definition)))
            }
        }
        for a in objects where !expectedKeys.contains(a.key) {
            result.append(SchemaDrift(kind: a.kind, name: a.name, change: .unexpected(actual: a.definition)))
        }
        return result
    }
}

/// One object that differs between a database and the snapshot.
public struct SchemaDrift: Sendable, Hashable, CustomStringConvertible {
    public enum Change: Sendable, Hashable {
        /// In the snapshot, absent from the database.
        case missing(expected: String)
        /// In the database, absent from the snapshot.
        case unexpected(actual: String)
        /// In both, with different definitions.
        case changed(expected: String, actual: String)
    }

    public let kind: String
    public let name: String
    public let change: Change

    /// `- index billing_events.billing_events_claim_idx (missing: in the snapshot, not in the database)`.
    public var description: String {
        switch change {
        case .missing(let e):
            return "- \(kind) \(name) missing (snapshot has\(e.isEmpty ? " it" : ": \(e)"))"
        case .unexpected(let a):
            return "+ \(kind) \(name) unexpected (not in the snapshot\(a.isEmpty ? "" : "; database has: \(a)"))"
        case .changed(let e, let a):
            return "~ \(kind) \(name) changed (snapshot: \(e); database: \(a))"
        }
    }
}
