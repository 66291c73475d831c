import BillingPostgres
import Foundation

/// Fresh PostgreSQL databases for tests, cloned from a template migrated once per process.
///
/// `DATABASE_URL` must name a role that may create databases on a throwaway server
/// (`deploy/local/test` starts one and sets it). Without it every database test FAILS with a
/// message saying so — tests never skip. Safe under Swift Testing's parallel execution: each
/// call gets its own database, and the template is built once (concurrent first calls share it).
public enum TestDatabase {
    /// Why a test database could not be provided.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `body` with the URL of a new database holding the schema of `migrations/`;
    /// drops the database afterwards (`WITH (FORCE)`, so leftover connections do not matter).
    public static func withFresh<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let server = try serverURL()
        let template = try await TemplateCache.shared.template(server: server)
        return try await withDatabase(server: server, template: template, body)
    }

    /// Runs `body` on a new migrated database with two URLs: the owner's (`DATABASE_URL`'s role)
    /// and that of a new application role (login, no other attribute) that `migrate deploy` with
    /// `appRole` has granted its privileges, as in the two-role set-up of production. The role is
    /// dropped afterwards.
    public static func withFreshAndAppRole<T: Sendable>(
        _ body: @Sendable (_ ownerURL: String, _ appURL: String, _ role: String) async throws -> T
    ) async throws -> T {
        let server = try serverURL()
        let role = "app_" + randomSuffix()
        try await admin(server, "CREATE ROLE \(role) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        let result: Result<T, any Error>
        do {
            result = .success(try await withFresh { url in
                try await MigrationRunner(directory: migrationsDirectory).deploy(databaseURL: url, appRole: role)
                return try await body(url, replacingUser(in: url, with: role), role)
            })
        } catch {
            result = .failure(error)
        }
        try? await admin(server, "DROP ROLE IF EXISTS \(role)")
        return try result.get()
    }

    /// `url` (a `postgresql://` URL) with `user` as its user and no password.
    public static func replacingUser(in url: String, with user: String) -> String {
        guard var c = URLComponents(string: url) else { return url }
        c.user = user
        c.password = nil
        return c.string ?? url
    }

    /// Runs `body` with the URL of a new, empty database (cloned from `template0`), for tests
    /// of the migration runner itself; drops it afterwards.
    public static func withEmpty<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        try await withDatabase(server: try serverURL(), template: "template0", body)
    }

    /// The repository's root directory, found from this file's real location (symbolic links
    /// resolved) by walking up to the folder that holds `Package.swift` and `migrations/`.
    public static func repositoryRoot(filePath: String = #filePath) -> URL {
        var dir = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        let fm = FileManager.default
        while dir.path != "/" {
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
               fm.fileExists(atPath: dir.appendingPathComponent("migrations").path) {
                return dir
            }
            dir.deleteLastPathComponent()
        }
        preconditionFailure("no repository root (Package.swift + migrations/) above \(filePath)")
    }

    /// `<repository>/migrations`.
    public static var migrationsDirectory: URL { repositoryRoot().appendingPathComponent("migrations") }

    /// `DATABASE_URL`, or an error that fails the test with instructions.
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw Unavailable(description: """
                DATABASE_URL is not set: database tests need a PostgreSQL server. Run them with \
                deploy/local/test (it starts a throwaway cluster), or export DATABASE_URL to a \
                superuser URL of a disposable server.
                """)
        }
        return url
    }

    private static func withDatabase<T: Sendable>(
        server: String, template: String, _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let name = "test_" + randomSuffix()
        try await admin(server, "CREATE DATABASE \(name) TEMPLATE \(template)")
        let result: Result<T, any Error>
        do { result = .success(try await body(PostgresURL.replacingDatabase(in: server, with: name))) } catch {
            result = .failure(error)
        }
        try? await admin(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        return try result.get()
    }

    /// Runs one statement on a short-lived connection to the server's DATABASE_URL database.
    static func admin(_ server: String, _ sql: String) async throws {
        _ = try await withConnection(server) { try $0.query(PGQuery(unsafeSQL: sql)).count }
    }

    /// Runs `body` on a short-lived connection to `url` and closes it.
    static func withConnection<T: Sendable>(_ url: String, _ body: @escaping @Sendable (PGSession) throws -> T) async throws -> T {
        let conn = try await PGConnection.connect(url)
        do {
            let value = try await conn.withSession(body)
            await conn.close()
            return value
        } catch {
            await conn.close()
            throw error
        }
    }

    static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }
}

/// Builds the migrated template once per process; concurrent first callers await the same task.
///
/// The template's name is derived from the migrations' checksums, so test processes that share
/// a server reuse it, and a changed migration gets a new one. It is built under a temporary
/// name and renamed when complete, so a crashed build is never used.
private actor TemplateCache {
    static let shared = TemplateCache()
    private var task: Task<String, any Error>?

    func template(server: String) async throws -> String {
        if let task { return try await task.value }
        let task = Task { try await Self.build(server: server) }
        self.task = task
        return try await task.value
    }

    private static func build(server: String) async throws -> String {
        let directory = TestDatabase.migrationsDirectory
        let files = try MigrationDirectory(url: directory).files()
        let fingerprint = files.map { "\($0.version):\($0.checksum)" }.joined(separator: ",")
        let name = "billing_tpl_" + String(fingerprint.hashValueStable, radix: 16)
        if try await exists(server, name) { return name }
        let building = name + "_" + TestDatabase.randomSuffix()
        try await TestDatabase.admin(server, "CREATE DATABASE \(building) TEMPLATE template0")
        do {
            try await MigrationRunner(directory: directory)
                .deploy(databaseURL: PostgresURL.replacingDatabase(in: server, with: building))
            try await TestDatabase.admin(server, "ALTER DATABASE \(building) RENAME TO \(name)")
        } catch {
            try? await TestDatabase.admin(server, "DROP DATABASE IF EXISTS \(building) WITH (FORCE)")
            // Another process finished the same template first: use theirs.
            if let pg = error as? PostgresError, pg.isDuplicateDatabase { return name }
            throw error
        }
        return name
    }

    private static func exists(_ server: String, _ name: String) async throws -> Bool {
        try await TestDatabase.withConnection(server) { s in
            try s.query("SELECT 1 FROM pg_database WHERE datname = \(name)").count == 1
        }
    }
}

extension String {
    /// FNV-1a 64-bit: stable across processes (unlike `hashValue`).
    fileprivate var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}
