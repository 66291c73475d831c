import Foundation

extension MigrationRunner {
    /// `status` over an existing pool (for `/readyz`, which must not open a connection per probe).
    /// A database without `schema_migrations` reports every file pending.
    public func status(pool: PGPool) async throws -> MigrationStatusReport {
        let files = try directory.files()
        let applied = try await pool.withConnection { session -> [RecordedMigration] in
            let exists = try session.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").first?.bool("present") ?? false
            return exists ? try Self.applied(session) : []
        }
        return MigrationStatusReport(entries: MigrationStatusReport.entries(files: files, applied: applied))
    }
}
