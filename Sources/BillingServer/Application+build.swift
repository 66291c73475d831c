import BillingCore
import BillingPostgres
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// What `buildApplication` wires together; tests build their own with a test handler.
public struct BillingApplicationParts: Sendable {
    public let settings: ServerSettings
    public let pool: PGPool
    public let handler: any EventHandler
    public let metrics: BillingMetrics
    public let logger: Logger
    public let now: @Sendable () -> Int64
    /// Checks readiness beyond "the database answers" (pending migrations); `nil` = none.
    public let readiness: (@Sendable (PGPool) async throws -> String?)?
    /// Bodies of events just stored by this process, handed from ingest to its processor.
    public let recentBodies = RecentBodies()

    public init(
        settings: ServerSettings, pool: PGPool, handler: any EventHandler, metrics: BillingMetrics = BillingMetrics(),
        logger: Logger, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        readiness: (@Sendable (PGPool) async throws -> String?)? = nil
    ) {
        self.settings = settings
        self.pool = pool
        self.handler = handler
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.readiness = readiness
    }
}

/// The public router: webhook, the OpenAPI document, the admin API and the console, and — unless
/// an internal port is configured — health, readiness and metrics.
public func buildRouter(_ parts: BillingApplicationParts) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    let verifier = WebhookSignatureVerifier(secrets: parts.settings.webhookSecrets, tolerance: parts.settings.webhookToleranceSeconds)
    let ingest = IngestWriter(pool: parts.pool, bodies: parts.recentBodies)
    WebhookController(verifier: verifier, maxBodyBytes: parts.settings.maxBodyBytes, ingest: ingest, metrics: parts.metrics, now: parts.now)
        .addRoutes(to: router)
    if parts.settings.internalPort == nil { healthController(parts).addRoutes(to: router) }
    OpenAPIDocument.addRoutes(to: router)
    let guardrail = AuthGuard(
        throttle: AuthFailureThrottle(limit: parts.settings.authFailureLimit, window: parts.settings.authFailureWindowSeconds, now: parts.now),
        trustedProxies: parts.settings.trustedProxies, metrics: parts.metrics)
    AdminAPI.addRoutes(to: router, parts: parts, guardrail: guardrail)
    Console.addRoutes(to: router, parts: parts, guardrail: guardrail)
    return router
}

/// The internal router (`BILLING_INTERNAL_PORT`): `/healthz`, `/readyz` and `/metrics` only.
public func buildInternalRouter(_ parts: BillingApplicationParts) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    healthController(parts).addRoutes(to: router)
    return router
}

private func healthController(_ parts: BillingApplicationParts) -> HealthController {
    let cache = ReadinessCache.database(pool: parts.pool, period: .milliseconds(Int64(parts.settings.readinessCacheSeconds * 1000)),
                                        migrations: parts.readiness)
    return HealthController(readiness: cache, metrics: parts.metrics)
}

/// The HTTP application plus the processor service, ready to `runService()`.
///
/// The public listener runs with `HTTPServerLimits` (deadlines, connection cap, head bounds).
/// The processor and the internal listener are services of the application: ServiceGroup stops
/// services in reverse order, so the public server (started last) stops accepting first, and the
/// processor then finishes the event batch in hand.
public func buildApplication(_ parts: BillingApplicationParts, runProcessor: Bool = true) -> some ApplicationProtocol {
    let limits = parts.settings.httpLimits
    var app = Application(
        router: buildRouter(parts),
        server: limits.serverBuilder(metrics: parts.metrics),
        configuration: limits.serverConfiguration(host: parts.settings.host, port: parts.settings.port, logger: parts.logger),
        logger: parts.logger
    )
    app.addServices(HourlyCountsFlusher(counts: parts.metrics.hourly, pool: parts.pool, logger: parts.logger))
    if runProcessor {
        var queue = EventQueue(retryPolicy: RetryPolicy(maxAttempts: parts.settings.maxAttempts))
        queue.bodies = parts.recentBodies
        parts.recentBodies.enable()
        app.addServices(EventProcessorService(pool: parts.pool, queue: queue, handler: parts.handler, metrics: parts.metrics,
                                              logger: parts.logger, loops: parts.settings.processorLoops, now: parts.now))
    }
    if let internalPort = parts.settings.internalPort {
        let internalApp = Application(
            router: buildInternalRouter(parts),
            server: limits.serverBuilder(metrics: parts.metrics),
            configuration: .init(address: .hostname(parts.settings.host, port: internalPort), serverName: nil),
            logger: parts.logger)
        app.addServices(internalApp)
    }
    return app
}
