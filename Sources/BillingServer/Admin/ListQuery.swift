import BillingPostgres

/// A newest-first list of rows of one table (alerts, events, audit rows), filtered by optional
/// equality conditions and paged by `id` (the cursor holds the last id shown).
struct ListQuery {
    /// `SELECT x.id, <json expression> AS j FROM <table> x` — written by the code, never by input.
    let select: String
    var sql = SQLBuilder()
    private var conditions: [String] = []

    init(select: String) {
        self.select = select
    }

    /// Adds `<column> = <value>` when `value` is set; `column` is written by the code.
    mutating func equals(_ column: String, _ value: String?) {
        guard let value else { return }
        conditions.append("\(column) = \(sql.bind(value))")
    }

    /// Adds a fixed condition written by the code.
    mutating func condition(_ text: String) {
        conditions.append(text)
    }

    /// Runs the query for `page`.
    func run(_ page: PageRequest, in session: PGSession) throws -> Page {
        var sql = self.sql
        var all = conditions
        if let after = try page.afterId() { all.append("x.id < \(sql.bind(String(after)))::bigint") }
        let whereClause = all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")
        let text = select + whereClause + " ORDER BY x.id DESC LIMIT \(page.limit + 1)"
        let rows = try session.query(PGQuery(unsafeSQL: text, binds: sql.binds)).rows
        return Page(rows: rows.map { ($0.string("id") ?? "", $0.string("j") ?? "{}") }, limit: page.limit)
    }
}
