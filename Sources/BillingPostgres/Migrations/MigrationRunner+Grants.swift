/// The application role's privileges (least privilege, issue 15).
///
/// `serve` and the jobs may connect as a role that owns nothing: `migrate deploy`, run as the
/// owner of the tables, grants that role what the service needs after applying the migrations,
/// every time, idempotently (migrations apply once and are checksummed; a role named later must
/// still be covered). `ALTER DEFAULT PRIVILEGES` extends the ordinary grants to tables the owner
/// creates later, and the next deploy corrects them if they are append-only.
///
/// - Ordinary tables: SELECT, INSERT, UPDATE, DELETE; sequences: USAGE, SELECT.
/// - Append-only tables (those with a trigger that runs `refuse_append_only_change`, found in the
///   catalog, so a later one such as `billing_status_history` is covered too): SELECT and INSERT only, plus UPDATE of
///   the columns in `appendOnlyUpdatableColumns` (the acknowledgement of an alert).
/// - `schema_migrations`: SELECT (for `/readyz`).
/// - Never TRUNCATE, REFERENCES or TRIGGER; never ownership, so never ALTER/DROP of a table or
///   trigger. The role must not be a superuser, the owner, or a member of the owner.
extension MigrationRunner {
    /// Columns an application role may UPDATE on an append-only table, by table.
    public static let appendOnlyUpdatableColumns: [String: [String]] = [
        "alert_logs": ["acknowledged_at", "acknowledged_by", "resolution"],
    ]

    /// Grants `role` the application's privileges on the database at `databaseURL` (as its owner).
    public func grantApplicationRole(_ role: String, databaseURL: String) async throws {
        try await Self.withConnection(databaseURL) { session in
            try Self.grant(role, in: session)
        }
    }

    /// The grants step, in one transaction on `session` (the owner's). Idempotent.
    static func grant(_ role: String, in session: PGSession) throws {
        guard Self.isPlainIdentifier(role) else {
            throw MigrationError(.appRoleRefused, message:
                "BILLING_APP_ROLE \"\(role)\" is not a plain role name (lower-case letters, digits and _, at most 63)")
        }
        try session.transaction { s in
            let found = try s.query("""
                SELECT rolsuper, rolname = current_user AS is_owner,
                       pg_has_role(rolname, current_user, 'MEMBER') AS owner_member
                FROM pg_roles WHERE rolname = \(role)
                """).first
            guard let found else {
                throw MigrationError(.appRoleRefused, message:
                    "BILLING_APP_ROLE \(role) does not exist; create it first (CREATE ROLE \(role) LOGIN PASSWORD '…')")
            }
            if found.bool("rolsuper") == true || found.bool("is_owner") == true || found.bool("owner_member") == true {
                throw MigrationError(.appRoleRefused, message:
                    "BILLING_APP_ROLE \(role) is a superuser, the migrating role itself or a member of it: it would bypass the append-only guarantees; use a role that owns nothing")
            }
            // The schema the migrations run in (`public` unless the owner's search_path says otherwise).
            let schema = try s.query("SELECT quote_ident(current_schema()) AS s").first?.string("s") ?? "public"
            let appendOnly = try s.query("""
                SELECT DISTINCT c.relname, quote_ident(c.relname) AS quoted
                FROM pg_trigger t
                JOIN pg_class c ON c.oid = t.tgrelid
                JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE c.relnamespace = current_schema()::regnamespace AND p.proname = 'refuse_append_only_change'
                  AND NOT t.tgisinternal
                ORDER BY 1
                """).rows.compactMap { r in r.string("relname").map { (name: $0, quoted: r.string("quoted") ?? $0) } }
            for statement in Self.grantStatements(role: role, schema: schema, appendOnly: appendOnly) {
                try s.execute(script: statement)
            }
        }
    }

    /// The statements of the grants step, in order.
    /// `schema` and the `quoted` table names are SQL identifiers as `quote_ident` returned them.
    static func grantStatements(role: String, schema: String, appendOnly: [(name: String, quoted: String)]) -> [String] {
        var sql = [
            "GRANT USAGE ON SCHEMA \(schema) TO \(role)",
            "REVOKE ALL ON ALL TABLES IN SCHEMA \(schema) FROM \(role)",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schema) TO \(role)",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \(schema) TO \(role)",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA \(schema) GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \(role)",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA \(schema) GRANT USAGE, SELECT ON SEQUENCES TO \(role)",
            "REVOKE INSERT, UPDATE, DELETE ON \(schema).schema_migrations FROM \(role)",
        ]
        for table in appendOnly {
            sql.append("REVOKE UPDATE, DELETE ON \(schema).\(table.quoted) FROM \(role)")
            if let columns = appendOnlyUpdatableColumns[table.name], !columns.isEmpty {
                sql.append("GRANT UPDATE (\(columns.joined(separator: ", "))) ON \(schema).\(table.quoted) TO \(role)")
            }
        }
        return sql
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, first == UInt8(ascii: "_") || (97...122).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (97...122).contains($0) || (48...57).contains($0) }
    }
}
