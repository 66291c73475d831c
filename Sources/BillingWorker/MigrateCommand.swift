import ArgumentParser
import BillingPostgres
import Foundation

/// `billing-worker migrate deploy | status | verify`: versioned SQL migrations with a shadow check.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply, list and verify the versioned SQL migrations.",
        discussion: """
            Files are named NNNN_description.sql (four or more digits, applied in numeric order).
            A file whose first line is `-- migrate:no-transaction` runs statement by statement
            outside a transaction (for CREATE INDEX CONCURRENTLY).
            """,
        subcommands: [Deploy.self, Status.self, Verify.self]
    )
}

/// Options shared by the `migrate` subcommands.
struct MigrateOptions: ParsableArguments {
    @Option(name: .customLong("dir"),
            help: "Migrations directory (default: $BILLING_MIGRATIONS_DIR, else ./migrations).")
    var directory: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: $DATABASE_URL).")
    var databaseURL: String?

    /// The migrations directory: the flag, else `BILLING_MIGRATIONS_DIR`, else `migrations`.
    var resolvedDirectory: URL {
        let env = ProcessInfo.processInfo.environment["BILLING_MIGRATIONS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        return URL(fileURLWithPath: directory ?? env ?? "migrations")
    }

    /// The database URL, or a one-line error naming DATABASE_URL and exit code 2.
    func resolvedDatabaseURL() throws -> String {
        if let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            return url
        }
        Migrate.printError("DATABASE_URL is not set: export DATABASE_URL=postgresql://user@host:port/db or pass --database-url")
        throw ExitCode(2)
    }
}

extension Migrate {
    /// `migrate deploy`: apply pending migrations.
    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations in order, each once, under an advisory lock.",
            discussion: """
                Run it as the owner of the tables. With BILLING_APP_ROLE (or --app-role), it then grants
                that role what serve and the jobs need, and no more (every run, idempotently).
                """)

        @OptionGroup var options: MigrateOptions
        @Option(name: .customLong("app-role"),
                help: "Role that serve and the jobs connect as (default: $BILLING_APP_ROLE; none: no grants).")
        var appRole: String?

        func run() async throws {
            let url = try options.resolvedDatabaseURL()
            let runner = MigrationRunner(directory: options.resolvedDirectory)
            let appRole = appRole ?? ProcessInfo.processInfo.environment["BILLING_APP_ROLE"].flatMap { $0.isEmpty ? nil : $0 }
            let report = try await Migrate.reportingErrors("deploy") {
                try await runner.deploy(databaseURL: url, appRole: appRole) { applied in
                    let ms = applied.duration / .milliseconds(1)
                    let mode = applied.inTransaction ? "" : ", no transaction"
                    print("applied \(applied.fileName) (\(Int(ms)) ms\(mode))")
                }
            }
            print(report.applied.isEmpty
                  ? "deploy: up to date (\(report.alreadyApplied) migration(s) already applied)"
                  : "deploy: applied \(report.applied.count) migration(s), \(report.alreadyApplied) already applied")
            if let appRole { print("deploy: granted the application role \(appRole) its privileges") }
        }
    }

    /// `migrate status`: list applied, pending, changed and missing migrations.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List applied, pending and changed migrations. Exits 1 when a file changed or is missing.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

        @OptionGroup var options: MigrateOptions
        @Option(help: "Output format: table or json.") var format: Format = .table

        func run() async throws {
            let url = try options.resolvedDatabaseURL()
            let runner = MigrationRunner(directory: options.resolvedDirectory)
            let report = try await Migrate.reportingErrors("status") { try await runner.status(databaseURL: url) }
            switch format {
            case .table: print(report.renderTable(), terminator: "")
            case .json: print(report.renderJSON(), terminator: "")
            }
            if report.hasProblems { throw ExitCode(1) }
        }
    }

    /// `migrate verify`: the shadow check.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply every migration to a throwaway database and compare it with schema.snapshot.",
            discussion: """
                Also reports the drift of the DATABASE_URL database when it is migrated.
                Exits 0 when everything matches, 1 on drift or a failing migration.
                """)

        @OptionGroup var options: MigrateOptions
        @Option(name: .customLong("shadow-url"),
                help: "Server on which to create the throwaway database (default: the DATABASE_URL server).")
        var shadowURL: String?
        @Flag(name: .customLong("update-snapshot"), help: "Rewrite schema.snapshot from the throwaway database.")
        var updateSnapshot = false

        func run() async throws {
            let url = try options.resolvedDatabaseURL()
            let runner = MigrationRunner(directory: options.resolvedDirectory)
            let report = try await Migrate.reportingErrors("verify") {
                try await runner.verify(databaseURL: url, shadowURL: shadowURL, updateSnapshot: updateSnapshot)
            }
            print(report.rendered(), terminator: "")
            if !report.passed { throw ExitCode(1) }
        }
    }

    /// Runs `body`; a failure prints one line on stderr and exits 1 (no stack trace).
    static func reportingErrors<T>(_ command: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as MigrationError {
            printError("migrate \(command) failed: \(error)")
            throw ExitCode(1)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("migrate \(command) failed: \(error)")
            throw ExitCode(1)
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
