import BillingPostgres
import Foundation

/// `/readyz`'s migration check (SPEC §7, §10): ready only when every file of the migrations
/// folder is applied with a matching checksum. `serve` starts with pending migrations and
/// answers 503 until `migrate deploy` ran. Migrations the database holds beyond this version's
/// files (`missing`: applied by a newer version during a rolling update) do not make it unready —
/// otherwise migrating first would take every replica of the previous version out of service.
public enum MigrationReadiness {
    /// A readiness check for `directory`; returns a problem description, or `nil` when ready.
    public static func check(directory: String) -> @Sendable (PGPool) async throws -> String? {
        let runner = MigrationRunner(directory: URL(fileURLWithPath: directory))
        return { pool in
            let report = try await runner.status(pool: pool)
            let waiting = report.entries.filter { $0.state == .pending || $0.state == .changed }
                .map { "\($0.file) (\($0.state.rawValue))" }
            if waiting.isEmpty { return nil }
            return "migrations not applied: " + waiting.joined(separator: ", ")
        }
    }
}
