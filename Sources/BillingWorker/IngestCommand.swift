import ArgumentParser
import BillingJobs
import Foundation

/// `billing-worker ingest FILE|-`: store exported Stripe events (SPEC §8, §10).
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store exported Stripe events (one event or a list object) with source `import`.",
        discussion: """
            Each entry is validated like a webhook body. Events already stored are reported as \
            duplicates and change nothing. The run is audited as admin `importer`. Prints a summary \
            (new, duplicate, invalid) and exits 1 when any entry was invalid, naming its index and reason.
            """)

    @Argument(help: "A JSON file, or - for stdin.") var file: String
    @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?

    func run() async throws {
        let input: [UInt8]
        if file == "-" {
            input = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                JobSupport.warn("billing-worker ingest: cannot read \(file)")
                throw ExitCode(1)
            }
            input = Array(data)
        }
        let file = self.file
        let report = try await JobSupport.withPool(command: "ingest", databaseURL: databaseURL) { pool in
            try await EventImporter(pool: pool, progress: JobSupport.progress).ingest(input, name: file)
        }
        print(report.render(), terminator: "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
