import BillingPostgres
import BillingTestSupport
import Testing

/// `PGArray.literal`: whatever the text (quotes, backslashes, commas, braces, non-ASCII, a quote
/// followed by a combining mark, "NULL" as text), PostgreSQL reads back exactly the values given.
@Suite struct PGArrayTests {
    static let values: [String?] = [
        "plain", #"a "quoted" word"#, #"back\slash\"#, "comma, {brace}", "", "NULL", nil,
        "caf\u{E9} \u{1F4B3}", "\"\u{301}", " spaced ", "\u{1F}unit",
    ]

    @Test func literalsRoundTripThroughPostgreSQL() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let values = Self.values
            let rows = try await pool.withConnection { session in
                try session.query("""
                    SELECT v, v IS NULL AS missing FROM unnest(\(array: values)::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n
                    """).rows.map { $0.string("v") }
            }
            #expect(rows == values)
            let strict = values.compactMap { $0 }
            let back = try await pool.withConnection { session in
                try session.query("SELECT array_length(\(strict)::text[], 1) AS n, (\(strict)::text[])::text AS t").rows
            }
            #expect(back.first?.string("n") == String(strict.count))
            #expect(PGArray.parse(back.first?.string("t") ?? "") == strict)
            #expect(PGArray.literal(["a", "b\"c"]) == #"{"a","b\"c"}"#)
            #expect(PGArray.literal(["a", nil]) == #"{"a",NULL}"#)
            await pool.shutdown()
        }
    }
}
