import BillingCore
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// Helpers of the admin API tests: authenticated JSON requests, rows set up by SQL, audit counts.
enum AdminTest {
    static let aliceToken = "tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1c"
    static let bobToken = "tok_bob_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"

    /// An answer: status code and the parsed JSON object (empty when not an object).
    struct Answer: @unchecked Sendable {
        let status: Int
        let json: [String: Any]
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
        var nextCursor: String? { json["next_cursor"] as? String }
    }

    /// Sends `method uri` with `Authorization: Bearer <token>` (none when `token` is nil) and a JSON body.
    static func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String,
        token: String? = aliceToken, body: [String: Any]? = nil, authorization: String? = nil
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization } else if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            Answer(status: Int(response.status.code), json: TestApp.json(response.body))
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String? = aliceToken) async throws -> Answer {
        try await send(client, .get, uri, token: token)
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: [String: Any] = ["reason": "test"],
                     token: String? = aliceToken) async throws -> Answer {
        try await send(client, .post, uri, token: token, body: body)
    }

    /// Creates a client through the API (201 expected).
    @discardableResult
    static func createClient(_ client: some TestClientProtocol, _ id: String, name: String = "Acme") async throws -> Answer {
        try await post(client, "/api/admin/clients", ["id": id, "business_name": name, "reason": "onboarding call"])
    }

    /// Puts a client in `status` by SQL, as the processor would have left it, with an open
    /// PAYMENT_GATE alert when `openAlert` is set (and the controls that alert recorded).
    static func seed(
        _ pool: PGPool, _ id: String, status: BillingStatus, source: PaymentSource = .stripe, openAlert: Bool = false,
        alertCount: Int = 1
    ) async throws {
        let alertedStates = openAlert ? "{\(status.rawValue)}" : "{}"
        try await pool.withConnection { s in
            try s.query("INSERT INTO clients (id, business_name) VALUES (\(id), 'Seeded Ltd')")
            try s.query("""
                INSERT INTO client_billing (client_id, status, payment_source, stripe_customer_id)
                VALUES (\(id), \(status.rawValue)::"BillingStatus", \(source.rawValue)::"PaymentSource", \("cus_" + id))
                """)
            try s.query("""
                INSERT INTO client_controls (client_id, payment_gate_alerted_at, payment_gate_alerted_states, payment_gate_alert_count)
                VALUES (\(id), \(openAlert ? "2025-06-01T00:00:00Z" : nil)::timestamptz, \(alertedStates)::"BillingStatus"[],
                        \(openAlert ? alertCount : 0))
                """)
            try s.query("INSERT INTO onboarding_states (client_id) VALUES (\(id))")
            if openAlert {
                try s.query("""
                    INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message)
                    VALUES ('PAYMENT_GATE', \("payment_gate:" + id), 'WARNING', \(id), 'client entered PAST_DUE')
                    """)
            }
        }
    }

    /// Inserts an alert directly; returns its id.
    static func insertAlert(_ pool: PGPool, clientId: String?, type: String = "PAYMENT_GATE", severity: String = "WARNING",
                            acknowledged: Bool = false) async throws -> Int64 {
        try await pool.withConnection { s in
            try s.query("""
                INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message, acknowledged_at, acknowledged_by)
                VALUES (\(type), \(type.lowercased() + ":" + (clientId ?? "-")), \(severity), \(clientId), 'seeded',
                        CASE WHEN \(acknowledged) THEN now() END, CASE WHEN \(acknowledged) THEN 'system' END)
                RETURNING id
                """).first?.int64("id") ?? 0
        }
    }

    /// Inserts a stored event directly.
    static func insertEvent(_ pool: PGPool, id: String, type: String = "invoice.paid", status: String = "processed",
                            clientId: String? = nil, attempts: Int = 1) async throws {
        let payload = #"{"id":"\#(id)","object":"event","type":"\#(type)"}"#
        _ = try await pool.withConnection { s in
            try s.query("""
                INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, payload, status, outcome, attempts, client_id)
                VALUES (\(id), \(type), to_timestamp(1750000000), \(payload)::jsonb,
                        \(status), CASE WHEN \(status) = 'processed' THEN 'applied' END, \(attempts), \(clientId))
                """)
        }
    }

    /// `admin_actions` rows (optionally of one client).
    static func auditCount(_ pool: PGPool, clientId: String? = nil) async throws -> Int {
        let filter = clientId.map { " WHERE client_id = '\($0)'" } ?? ""
        return try await TestApp.count(pool, "SELECT count(*) FROM admin_actions" + filter)
    }

    /// The routes of the application's router, as `"METHOD /path/{param}"` (built without a database).
    static func routes() -> [(method: HTTPRequest.Method, path: String)] {
        let url = "postgresql://nobody@127.0.0.1:1/none"
        let parts = BillingApplicationParts(
            settings: TestApp.settings(url: url), pool: PGPool(url: url), handler: CountingHandler(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return buildRouter(parts).routes.map { ($0.method, $0.path.description) }
    }

    /// The admin routes only.
    static func adminRoutes() -> [(method: HTTPRequest.Method, path: String)] {
        routes().filter { $0.path.hasPrefix("/api/admin") }
    }
}
