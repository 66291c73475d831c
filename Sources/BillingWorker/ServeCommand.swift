import ArgumentParser
import BillingPostgres
import BillingServer
import Foundation
import Hummingbird
import Logging

/// `billing-worker serve`: the HTTP server and the processor loop.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (webhooks, admin API) and the event processor.")

    @Option(help: "PostgreSQL URL (env DATABASE_URL).") var databaseURL: String?
    @Option(help: "Address to listen on (env HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env PORT, default 8080).") var port: Int?
    @Flag(help: "Serve HTTP only, without the processor loop.") var noProcessor = false

    func run() async throws {
        let logger = LogSetup.makeLogger(label: "billing-worker")
        let databaseURL = try Settings.required(databaseURL, env: "DATABASE_URL", flagName: "database-url")
        let secretsText = try Settings.required(nil, env: "STRIPE_WEBHOOK_SECRETS", flagName: "-")
        let secrets = secretsText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if secrets.isEmpty { Settings.fail("STRIPE_WEBHOOK_SECRETS holds no secret") }

        var settings = ServerSettings(databaseURL: databaseURL, webhookSecrets: secrets)
        settings.webhookToleranceSeconds = Int64(try Settings.integer(nil, env: "STRIPE_WEBHOOK_TOLERANCE_SECONDS", default: 300, range: 0...86_400 * 30))
        settings.livemode = Settings.boolean(env: "STRIPE_LIVEMODE")
        settings.maxAttempts = try Settings.integer(nil, env: "BILLING_MAX_ATTEMPTS", default: 8, range: 1...1000)
        settings.processorLoops = try Settings.integer(nil, env: "BILLING_PROCESSOR_LOOPS", default: 1, range: 1...16)
        settings.maxBodyBytes = try Settings.integer(nil, env: "BILLING_MAX_BODY_BYTES", default: 1 << 20, range: 1024...(64 << 20))
        settings.migrationsDirectory = Settings.optional(nil, env: "BILLING_MIGRATIONS_DIR") ?? "migrations"
        settings.host = Settings.optional(host, env: "HOST") ?? "127.0.0.1"
        settings.port = try Settings.integer(port, env: "PORT", default: 8080, range: 0...65535)
        settings.adminTokens = try AdminTokens.parse(Settings.optional(nil, env: "BILLING_ADMIN_TOKENS"))
        if let problem = AdminTokenRules.problem(in: settings.adminTokens) { Settings.fail(problem) }
        settings.poolCheckoutTimeout = .milliseconds(try Settings.integer(
            nil, env: "BILLING_DB_CHECKOUT_TIMEOUT_MS", default: 5000, range: 100...600_000))
        settings.consoleSecureCookies = Settings.boolean(env: "BILLING_CONSOLE_SECURE_COOKIES") ?? false
        try ServeLimits.read(into: &settings)
        if settings.adminTokens.isEmpty {
            logger.warning("BILLING_ADMIN_TOKENS is not set: the admin API answers 401 to every request")
        }

        let descriptors = ServeLimits.raiseDescriptorLimit()
        ServeLimits.limitMallocArenas()
        let metrics = BillingMetrics()
        let pool = PGPool(url: databaseURL, size: settings.poolSize, checkoutTimeout: settings.poolCheckoutTimeout,
                          observer: metrics.poolEvent)
        let handler = BillingEventHandler(livemode: settings.livemode, observe: metrics.record(decision:))
        let parts = BillingApplicationParts(
            settings: settings, pool: pool, handler: handler, metrics: metrics, logger: logger,
            readiness: MigrationReadiness.check(directory: settings.migrationsDirectory))
        let app = buildApplication(parts, runProcessor: !noProcessor)
        logger.info("billing-worker listening", metadata: [
            "billing.address": "\(settings.host):\(settings.port)",
            "billing.internal_port": "\(settings.internalPort.map(String.init) ?? "-")",
            "billing.max_connections": "\(settings.httpLimits.maxConnections)",
            "billing.open_files_limit": "\(descriptors)",
        ])
        try await app.runService()
        await pool.shutdown()
    }
}

enum AdminTokens {
    /// `adminId:token,adminId:token` → pairs. A malformed pair is a configuration error.
    static func parse(_ text: String?) throws -> [(adminId: String, token: String)] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").map { item in
            let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                Settings.fail("BILLING_ADMIN_TOKENS must be comma-separated adminId:token pairs")
            }
            return (parts[0], parts[1])
        }
    }
}
