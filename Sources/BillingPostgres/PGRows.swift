/// The rows a statement returned, copied out of libpq's result (text format).
public struct PGRows: Sendable {
    public let columns: [String]
    public let values: [[String?]]
    /// Rows affected by INSERT/UPDATE/DELETE (0 for others).
    public let affectedRows: Int

    public init(columns: [String], values: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }
    public var first: PGRow? { values.isEmpty ? nil : PGRow(columns: columns, values: values[0]) }
    public var rows: [PGRow] { values.map { PGRow(columns: columns, values: $0) } }
}

/// One row, with typed accessors by column name.
public struct PGRow: Sendable {
    public let columns: [String]
    public let values: [String?]

    public subscript(_ column: String) -> String? {
        guard let i = columns.firstIndex(of: column) else { return nil }
        return values[i]
    }
    public func string(_ column: String) -> String? { self[column] }
    public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    public func int64(_ column: String) -> Int64? {
        guard let s = self[column] else { return nil }
        if let v = Int64(s) { return v }
        return Double(s).map { Int64($0.rounded(.down)) }
    }
    public func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
    public func bool(_ column: String) -> Bool? {
        switch self[column] {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }
    public func array(_ column: String) -> [String]? { self[column].map(PGArray.parse) }
}
