import ArgumentParser
import BillingCore
import BillingJobs
import BillingPostgres

/// `billing-worker replay`: re-run stored events through the billing rules (SPEC §5, §8).
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run stored events against the current billing state.",
        discussion: """
            Selects stored events by the filters (all must match; times filter on the event's Stripe \
            `created` and accept ISO 8601 or Unix seconds) and re-runs them, oldest first, through \
            the same rules as the processor, a few hundred events per transaction (one by one when \
            the batch cannot reproduce the one-by-one result). Replaying twice changes nothing the \
            second time. Progress goes to stderr on long runs. --dry-run prints, per event, the status before and after and \
            the outcome, and changes nothing. Exits 1 when an event could not be replayed.
            """)

    @Option(name: .customLong("event-id"), help: "Only this Stripe event id (evt_…).") var eventId: String?
    @Option(name: .customLong("client"), help: "Only events of this client.") var client: String?
    @Option(help: "Only events created at or after this time.") var since: String?
    @Option(help: "Only events created at or before this time.") var until: String?
    @Option(help: "Only events with this status (received, processed, ignored, unmatched, retry, failed).")
    var status: String?
    @Flag(name: .customLong("dry-run"), help: "Show what would change; change nothing.") var dryRun = false
    @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?

    func run() async throws {
        var selection = ReplaySelection(stripeEventId: eventId, clientId: client)
        selection.since = try JobSupport.time(since, flag: "--since")
        selection.until = try JobSupport.time(until, flag: "--until")
        if let status {
            guard let parsed = EventStatus(rawValue: status) else {
                Settings.fail("--status must be one of " + EventStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            selection.status = parsed
        }
        let livemode = Settings.boolean(env: "STRIPE_LIVEMODE")
        let maxAttempts = try Settings.integer(nil, env: "BILLING_MAX_ATTEMPTS", default: 8, range: 1...1000)
        let report = try await JobSupport.withPool(command: "replay", databaseURL: databaseURL) { pool in
            let job = ReplayJob(
                pool: pool, handler: BillingEventHandler(livemode: livemode),
                queue: EventQueue(retryPolicy: RetryPolicy(maxAttempts: maxAttempts)), now: JobSupport.now,
                progress: JobSupport.progress)
            return try await job.run(selection, dryRun: dryRun)
        }
        print(report.render(), terminator: "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
