import BillingPostgres
import Hummingbird

/// `GET /healthz` (process alive), `GET /readyz` (database reachable and migrations applied,
/// answered from `ReadinessCache`), `GET /metrics` (Prometheus text). Served on the public port,
/// or only on the internal one when `BILLING_INTERNAL_PORT` is set.
struct HealthController: Sendable {
    let readiness: ReadinessCache
    let metrics: BillingMetrics
    /// The two fixed answers, made once (probes call these every few seconds; the benchmark's HTTP
    /// floor calls `/healthz` thousands of times a second).
    static let aliveBytes = Array(#"{"status":"ok"}"#.utf8)
    static let readyBytes = Array(#"{"status":"ready"}"#.utf8)

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(status: .ok, bytes: Self.aliveBytes)
        }
        router.get("/readyz") { _, _ in
            if let problem = await readiness.current() {
                return JSONResponse.make(status: .serviceUnavailable, object: APIError(.serviceUnavailable, code: .unavailable, message: problem).body)
            }
            return JSONResponse.make(status: .ok, bytes: Self.readyBytes)
        }
        router.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.exposition())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: buffer))
        }
    }
}
