import ArgumentParser
import BillingJobs

/// `billing-worker prune --processed-before T`: retention of event payloads (SPEC §8, §10).
struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clear the payload of events processed before a time, keeping their ids.",
        discussion: """
            Sets payload = NULL on processed and ignored events whose processed_at is before T \
            (ISO 8601 or Unix seconds). The rows stay, so a late redelivery is still a duplicate.
            """)

    @Option(name: .customLong("processed-before"), help: "ISO 8601 time or Unix seconds.") var processedBefore: String
    @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?

    func run() async throws {
        guard let before = try JobSupport.time(processedBefore, flag: "--processed-before") else { return }
        let count = try await JobSupport.withPool(command: "prune", databaseURL: databaseURL) { pool in
            try await PruneJob.run(processedBefore: before, pool: pool, progress: JobSupport.progress)
        }
        print("pruned \(count) event payload(s) processed before \(CLITime.iso(before))")
    }
}
