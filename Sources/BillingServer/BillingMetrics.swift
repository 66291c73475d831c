import BillingCore
import BillingPostgres
import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// The service's metrics (SPEC §7), created through swift-metrics on a Prometheus registry of
/// their own, so that every application instance (and every test) has independent figures.
/// Dimensions are low-cardinality only: outcomes, codes, statuses — never a client or event id.
public final class BillingMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let cache = Mutex<[String: CoreMetrics.Counter]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let processingSeconds: CoreMetrics.Recorder
    private let duplicates: CoreMetrics.Counter
    private let failedEvents: CoreMetrics.Counter
    /// Events received, processed and failed per hour, for the console's chart (`billing_event_hourly`).
    public let hourly = HourlyEventCounts()
    private let checkoutsWaiting: CoreMetrics.Gauge
    private let checkoutWaitSeconds: CoreMetrics.Recorder
    /// `billing_webhook_requests_total{outcome="stored"}` and `{outcome="duplicate"}`, made once: they
    /// move on every delivery, and looking them up built a key string per request.
    private let storedDeliveries: CoreMetrics.Counter
    private let duplicateDeliveries: CoreMetrics.Counter

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultValueHistogramBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
        self.factory = factory
        processingSeconds = CoreMetrics.Recorder(label: "billing_event_processing_seconds", dimensions: [], aggregate: true, factory: factory)
        duplicates = CoreMetrics.Counter(label: "billing_webhook_duplicates_total", factory: factory)
        failedEvents = CoreMetrics.Counter(label: "billing_events_failed_total", factory: factory)
        checkoutsWaiting = CoreMetrics.Gauge(label: "billing_db_checkouts_waiting", factory: factory)
        checkoutWaitSeconds = CoreMetrics.Recorder(label: "billing_db_checkout_wait_seconds", dimensions: [], aggregate: true, factory: factory)
        storedDeliveries = CoreMetrics.Counter(
            label: Self.webhookRequests, dimensions: [("outcome", WebhookOutcome.stored.label)], factory: factory)
        duplicateDeliveries = CoreMetrics.Counter(
            label: Self.webhookRequests, dimensions: [("outcome", WebhookOutcome.duplicate.label)], factory: factory)
    }

    private static let webhookRequests = "billing_webhook_requests_total"

    /// The database pool's observer: `billing_db_checkouts_waiting` gauge (checkouts waiting for a
    /// connection now), `billing_db_checkout_wait_seconds` histogram (how long each waited),
    /// `billing_db_checkout_timeouts_total` (waits that gave up: answered 503) and
    /// `billing_db_retries_total` (work re-run on a fresh connection after the old one died).
    public func poolEvent(_ event: PGPool.Event) {
        switch event {
        case .waitStarted(let waiting):
            checkoutsWaiting.record(waiting)
        case .waitEnded(let waiting, let seconds, let timedOut):
            checkoutsWaiting.record(waiting)
            checkoutWaitSeconds.record(seconds)
            if timedOut { counter("billing_db_checkout_timeouts_total", []).increment() }
        case .retriedAfterConnectionLoss:
            counter("billing_db_retries_total", []).increment()
        }
    }

    /// What became of one webhook delivery: the `outcome` label of `billing_webhook_requests_total`.
    public enum WebhookOutcome: Sendable, Hashable {
        /// Stored, answered 200.
        case stored
        /// Already stored, answered 200 with `"duplicate":true`.
        case duplicate
        /// Refused with this error code (`unavailable` when it could not be stored).
        case refused(APIError.Code)

        /// `stored`, `duplicate`, or the error code.
        public var label: String {
            switch self {
            case .stored: "stored"
            case .duplicate: "duplicate"
            case .refused(let code): code.rawValue
            }
        }
    }

    /// `billing_webhook_requests_total{outcome}`.
    public func webhookRequest(_ outcome: WebhookOutcome) {
        switch outcome {
        case .stored: storedDeliveries.increment()
        case .duplicate: duplicateDeliveries.increment()
        case .refused: counter(Self.webhookRequests, [("outcome", outcome.label)]).increment()
        }
    }
    /// `billing_webhook_duplicates_total`.
    public func duplicate() { duplicates.increment() }
    /// `billing_signature_failures_total{code}`: a delivery refused for its `Stripe-Signature`.
    public func signatureFailure(_ code: APIError.Code) { counter("billing_signature_failures_total", [("code", code.rawValue)]).increment() }
    /// `billing_event_processing_seconds` histogram.
    public func processed(seconds: Double) { processingSeconds.record(seconds) }
    /// `billing_events_failed_total`.
    public func eventFailed() { failedEvents.increment() }
    /// `billing_alerts_total{type,severity}`.
    public func alertRaised(type: String, severity: String) {
        counter("billing_alerts_total", [("type", type), ("severity", severity)]).increment()
    }
    /// `billing_transitions_total{from,to}`.
    public func transition(from: String, to: String) { counter("billing_transitions_total", [("from", from), ("to", to)]).increment() }
    /// `billing_unmatched_oldest_age_seconds`: how long the oldest `unmatched` event has waited for its
    /// client (0 when none waits). One that never finds its client needs an operator.
    public func oldestUnmatched(ageSeconds: Double) { gauge("billing_unmatched_oldest_age_seconds").record(ageSeconds) }

    private func gauge(_ label: String) -> CoreMetrics.Gauge {
        gauges.withLock { g in
            if let existing = g[label] { return existing }
            let made = CoreMetrics.Gauge(label: label, dimensions: [], factory: factory)
            g[label] = made
            return made
        }
    }

    /// `billing_http_connections_closed_total{reason}`: connections closed by a deadline
    /// (`header_timeout`, `body_timeout`, `idle_timeout`).
    public func connectionClosed(reason: String) { counter("billing_http_connections_closed_total", [("reason", reason)]).increment() }
    /// `billing_auth_failures_total{surface}`: wrong or missing admin tokens (`admin_api`, `console`).
    public func authFailure(surface: String) { counter("billing_auth_failures_total", [("surface", surface)]).increment() }
    /// `billing_auth_throttled_total{surface}`: requests answered 429 because their address failed too often.
    public func authThrottled(surface: String) { counter("billing_auth_throttled_total", [("surface", surface)]).increment() }
    /// `billing_events{status}` gauge: queue depth by status.
    public func queueDepth(status: String, count: Int) {
        let key = status
        let gauge = gauges.withLock { g in
            if let existing = g[key] { return existing }
            let made = CoreMetrics.Gauge(label: "billing_events", dimensions: [("status", status)], factory: factory)
            g[key] = made
            return made
        }
        gauge.record(count)
    }

    /// Counts what a billing decision did: its status transition and the alerts it raised.
    public func record(decision: BillingDecision) {
        if let t = decision.transition { transition(from: t.from.rawValue, to: t.to.rawValue) }
        for alert in decision.alerts { alertRaised(type: alert.type.rawValue, severity: alert.severity.rawValue) }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return bytes
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return cache.withLock { c in
            if let existing = c[key] { return existing }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            c[key] = made
            return made
        }
    }
}
