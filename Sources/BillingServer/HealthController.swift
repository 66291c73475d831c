import BillingPostgres
import Hummingbird

/// `GET /healthz` (process alive), `GET /readyz` (database reachable and migrations applied),
/// `GET /metrics` (Prometheus text).
struct HealthController: Sendable {
    let pool: PGPool
    let metrics: BillingMetrics
    let readiness: (@Sendable (PGPool) async throws -> String?)?

    func addRoutes(to router: Router<AppContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(status: .ok, object: ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            do {
                _ = try await pool.withConnection { try $0.query("SELECT 1") }
                if let readiness, let problem = try await readiness(pool) {
                    return JSONResponse.make(status: .serviceUnavailable, object: ["error": ["code": "unavailable", "message": problem]])
                }
                return JSONResponse.make(status: .ok, object: ["status": "ready"])
            } catch {
                return JSONResponse.make(status: .serviceUnavailable, object: ["error": ["code": "unavailable", "message": "the database is unreachable"]])
            }
        }
        router.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.exposition())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: buffer))
        }
    }
}
