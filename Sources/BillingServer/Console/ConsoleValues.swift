import Foundation

/// Small view models shared by the console pages, and readers of the JSON rows that
/// PostgreSQL renders for the admin API.
struct LabelValue: Sendable {
    let label: String
    let value: String
}

/// An `<option>` of a filter.
struct FilterOption: Sendable {
    let value: String
    let label: String
    let selected: Bool

    /// "any" (empty value) followed by `values`, the one equal to `current` selected.
    static func list(_ values: [String], current: String?) -> [FilterOption] {
        [FilterOption(value: "", label: "any", selected: current == nil)]
            + values.map { FilterOption(value: $0, label: $0, selected: $0 == current) }
    }
}

/// A count with a link, for the overview.
struct CountLink: Sendable {
    let label: String
    /// The count as shown (a number, or `—` where it is not counted).
    let count: String
    let href: String
}

/// Reading one rendered row (`[String: Any]` from `RowJSON.object`) as display text.
struct RowReader {
    let row: [String: Any]

    init(_ row: [String: Any]) { self.row = row }

    /// The field as text: strings as they are, numbers printed, `null` → `nil` (booleans: `flag`).
    func text(_ key: String) -> String? { Self.display(row[key]) }

    /// A boolean field as `yes` / `no`.
    func flag(_ key: String) -> String { (row[key] as? Bool) == true ? "yes" : "no" }

    /// A nullable boolean field as `yes` / `no`, `nil` when it is `null` (not known).
    func knownFlag(_ key: String) -> String? { (row[key] as? Bool).map { $0 ? "yes" : "no" } }

    /// A nested object (`billing`, `controls`, …).
    func nested(_ key: String) -> RowReader { RowReader(row[key] as? [String: Any] ?? [:]) }

    /// A timestamp field shown as `2025-06-02 09:15:07 UTC`.
    func time(_ key: String) -> String? { text(key).map(Self.time) }

    /// `2025-06-02T09:15:07.123456Z` → `2025-06-02 09:15:07 UTC`; other text unchanged.
    static func time(_ iso: String) -> String {
        guard iso.count >= 20, iso.hasSuffix("Z"), let t = iso.firstIndex(of: "T") else { return iso }
        let date = iso[..<t]
        let clock = iso[iso.index(after: t)...].prefix(8)
        return "\(date) \(clock) UTC"
    }

    static func display(_ value: Any?) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        case let some?: return String(describing: some)
        }
    }
}
