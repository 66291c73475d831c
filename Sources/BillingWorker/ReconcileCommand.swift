import ArgumentParser
import BillingCore
import BillingJobs
import BillingPostgres
import StripeAPI

/// `billing-worker reconcile`: compare billing with Stripe, report and repair drift (SPEC §8, §10).
struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare each client's billing with its Stripe subscription; report (and repair) drift.",
        discussion: """
            With --backfill-since, first stores events missed by the webhook (GET /v1/events, the \
            types the product acts on, at most 30 days back) and processes them. Then fetches each \
            client's subscription by id and compares status, current_period_end and \
            cancel_at_period_end. MANUAL/WAIVED clients are reported as pinned, not as drift. \
            --apply repairs through the state machine, audited as admin `reconciler`. \
            Exit status: 0 no drift, 3 drift (repaired or not), 1 error, 2 bad usage.
            """)

    @Option(name: .customLong("client"), help: "Only this client.") var client: String?
    @Flag(help: "Repair the drift.") var apply = false
    @Option(name: .customLong("backfill-since"), help: "Back-fill events created since (ISO 8601 or Unix seconds; ≤ 30 days).")
    var backfillSince: String?
    @Option(help: "Output: table or json.") var format: String = "table"
    @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?

    func run() async throws {
        guard format == "table" || format == "json" else { Settings.fail("--format must be table or json") }
        let options = Reconciler.Options(
            clientId: client, apply: apply, backfillSince: try JobSupport.time(backfillSince, flag: "--backfill-since"))
        if let since = options.backfillSince {
            do { try Reconciler.checkBackfillBound(since, now: JobSupport.now()) } catch {
                throw JobSupport.exit(command: "reconcile", error)
            }
        }
        guard let apiKey = Settings.optional(nil, env: "STRIPE_API_KEY") else { Settings.fail("STRIPE_API_KEY is not set") }
        let apiBase = Settings.optional(nil, env: "STRIPE_API_BASE") ?? StripeConfiguration.defaultAPIBase
        if let problem = StripeConfiguration.apiBaseProblem(apiBase) { Settings.fail(problem) }
        let stripe = StripeConfiguration(apiKey: apiKey, apiBase: apiBase)
        _ = try Settings.required(databaseURL, env: "DATABASE_URL", flagName: "database-url")
        let livemode = Settings.boolean(env: "STRIPE_LIVEMODE")
        let maxAttempts = try Settings.integer(nil, env: "BILLING_MAX_ATTEMPTS", default: 8, range: 1...1000)
        let logger = LogSetup.makeLogger(label: "billing-worker")
        let report = try await JobSupport.withPool(command: "reconcile", databaseURL: databaseURL) { pool in
            try await StripeClient.withCurlClient(configuration: stripe, logger: logger) { client in
                let reconciler = Reconciler(
                    pool: pool, stripe: client, handler: BillingEventHandler(livemode: livemode),
                    queue: EventQueue(retryPolicy: RetryPolicy(maxAttempts: maxAttempts)), progress: JobSupport.progress)
                return try await reconciler.run(options)
            }
        }
        print(format == "json" ? report.renderJSON() : report.renderTable(), terminator: "")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
