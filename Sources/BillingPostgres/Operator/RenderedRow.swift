/// One row as PostgreSQL renders it for the admin API and the console (`to_jsonb(x)`, a client
/// view): JSON text whose field names are the table's column names, with the key it is listed by.
public struct RenderedRow: Sendable, Hashable {
    /// The list's sort key (a row id, or a client id), from which a page cursor is made.
    public let key: String
    /// The row as a JSON object (text), timestamps as PostgreSQL renders them in the session's time zone.
    public let json: String

    public init(key: String, json: String) {
        self.key = key
        self.json = json
    }
}

/// One page of a list: at most the requested number of rows, and whether more follow.
public struct RowPage: Sendable {
    public let rows: [RenderedRow]
    /// True when rows follow the last one: the next page starts after `rows.last`.
    public let hasMore: Bool

    /// Cuts the `limit + 1` rows a list query fetched (one more than asked, so that a next page
    /// is known without counting) to `limit`.
    init(fetched: [RenderedRow], limit: Int) {
        rows = Array(fetched.prefix(limit))
        hasMore = fetched.count > limit
    }
}

extension PGRows {
    /// Rows of `SELECT <key> AS id, <json> AS j`.
    var renderedRows: [RenderedRow] {
        rows.map { RenderedRow(key: $0.string("id") ?? "", json: $0.string("j") ?? "{}") }
    }
}

/// A newest-first list of one table's rows (alerts, events, audit rows, status history), filtered
/// by optional equality conditions and paged by `id` (a cursor holds the last id shown).
struct NewestFirstList {
    /// `SELECT x.id, <json expression> AS j FROM <table> x` — written by the code, never by input.
    let select: String
    private var binds: [String?] = []
    private var conditions: [String] = []

    init(select: String) {
        self.select = select
    }

    /// Adds `<column> = <value>` when `value` is set; `column` is written by the code.
    mutating func equals(_ column: String, _ value: String?) {
        guard let value else { return }
        conditions.append("\(column) = \(bind(value))")
    }

    /// Adds a fixed condition written by the code.
    mutating func condition(_ text: String) {
        conditions.append(text)
    }

    private mutating func bind(_ value: String) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// The rows after `afterId` (all when `nil`), at most `limit`.
    func run(afterId: Int64?, limit: Int, in session: PGSession) throws -> RowPage {
        var list = self
        if let afterId { list.conditions.append("x.id < \(list.bind(String(afterId)))::bigint") }
        let whereClause = list.conditions.isEmpty ? "" : " WHERE " + list.conditions.joined(separator: " AND ")
        let text = select + whereClause + " ORDER BY x.id DESC LIMIT \(limit + 1)"
        let fetched = try session.query(PGQuery(unsafeSQL: text, binds: list.binds)).renderedRows
        return RowPage(fetched: fetched, limit: limit)
    }
}
