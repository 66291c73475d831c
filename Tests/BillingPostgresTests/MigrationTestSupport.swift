import BillingPostgres
import BillingTestSupport
import Foundation

/// Helpers shared by the migration, schema and append-only tests.
enum MigrationFixtures {
    /// `Tests/Fixtures/migrations/<set>` in the repository.
    static func set(_ name: String) -> URL {
        TestDatabase.repositoryRoot().appendingPathComponent("Tests/Fixtures/migrations/\(name)")
    }

    /// A private, writable copy of a fixture set (for tests that edit files).
    static func copy(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: set(name), to: dir)
        return dir
    }

    /// A temporary directory holding `files` (name → SQL).
    static func directory(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, sql) in files {
            try Data(sql.utf8).write(to: dir.appendingPathComponent(name))
        }
        return dir
    }
}

enum MigrationTestDB {
    /// Runs one statement on a short-lived connection.
    @discardableResult
    static func query(_ url: String, _ query: PGQuery) async throws -> PGRows {
        let conn = try await PGConnection.connect(url)
        do {
            let rows = try await conn.withSession { try $0.query(query) }
            await conn.close()
            return rows
        } catch {
            await conn.close()
            throw error
        }
    }

    /// The error PostgreSQL refuses `sql` with, or nil when it succeeds.
    static func refusal(_ url: String, _ sql: String) async throws -> PostgresError? {
        do {
            try await query(url, PGQuery(unsafeSQL: sql))
            return nil
        } catch let e as PostgresError where e.kind == .statement {
            return e
        }
    }
}
