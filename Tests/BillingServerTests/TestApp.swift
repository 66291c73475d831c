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
import Synchronization

/// Shared set-up of the HTTP tests: a fresh migrated database, the application wired as in
/// production, signed deliveries and direct SQL to check what was stored.
enum TestApp {
    static let secret = "whsec_test_secret_for_billing_worker"

    static func settings(url: String) -> ServerSettings {
        var s = ServerSettings(databaseURL: url, webhookSecrets: [secret])
        s.adminTokens = [("alice", "tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1c"), ("bob", "tok_bob_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")]
        // Tests of other things make many requests in a row from one address and check readiness
        // right after changing the database: no throttle, no readiness cache unless a test sets them.
        s.authFailureLimit = 1_000_000
        s.readinessCacheSeconds = 0
        return s
    }

    /// Runs `body` with a router test client on a fresh database.
    static func withApp(
        handler: (any EventHandler)? = nil, processor: Bool = false, logs: LogCapture? = nil,
        configure: @Sendable (inout ServerSettings) -> Void = { _ in },
        readiness: (@Sendable (PGPool) async throws -> String?)? = nil,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
        metrics: BillingMetrics = BillingMetrics(),
        _ body: @escaping @Sendable (any TestClientProtocol, PGPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { url in
            var settings = settings(url: url)
            configure(&settings)
            let pool = PGPool(url: settings.databaseURL, size: 8)
            let logger = logs?.logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let parts = BillingApplicationParts(
                settings: settings, pool: pool, handler: handler ?? BillingEventHandler(livemode: nil), metrics: metrics, logger: logger,
                now: now, readiness: readiness)
            let app = buildApplication(parts, runProcessor: processor)
            do {
                try await app.test(.router) { client in try await body(client, pool) }
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    /// A minimal Stripe event body.
    static func eventBody(id: String, type: String = "invoice.created", created: Int64 = 1_750_000_000,
                          object: String = #"{"id":"in_1","object":"invoice","customer":"cus_1"}"#) -> [UInt8] {
        Array(#"{"id":"\#(id)","object":"event","type":"\#(type)","created":\#(created),"api_version":"2025-03-31.basil","livemode":false,"data":{"object":\#(object)}}"#.utf8)
    }

    static func signedHeaders(_ body: [UInt8], secret: String = secret, timestamp: Int64? = nil) -> HTTPFields {
        let t = timestamp ?? Int64(Date().timeIntervalSince1970)
        return [HTTPField.Name("Stripe-Signature")!: WebhookSigner.header(secret: secret, payload: body, timestamp: t),
                .contentType: "application/json"]
    }

    /// Posts `body` to the webhook; returns status and parsed JSON body.
    static func deliver(_ client: some TestClientProtocol, _ body: [UInt8], headers: HTTPFields? = nil) async throws -> (Int, [String: Any]) {
        try await client.execute(uri: "/webhooks/stripe", method: .post, headers: headers ?? signedHeaders(body),
                                 body: ByteBuffer(bytes: body)) { response in
            (Int(response.status.code), json(response.body))
        }
    }

    static func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// Runs one query on the pool and returns its rows.
    static func rows(_ pool: PGPool, _ sql: String) async throws -> [PGRow] { try await JobTest.rows(pool, sql) }

    static func count(_ pool: PGPool, _ sql: String) async throws -> Int { try await JobTest.count(pool, sql) }

    /// Polls `condition` until it holds or `seconds` pass.
    static func eventually(seconds: Double = 30, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        try await JobTest.eventually(seconds: seconds, condition)
    }
}

/// Collects every log line of a test, to prove what is (not) logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test") { label in
            var h = JSONLogHandler(label: label) { line in self.lines.withLock { $0.append(line) } }
            h.logLevel = .trace
            return h
        }
    }

    var all: [String] { lines.withLock { $0 } }
}

/// A shared counter handing out 0, 1, 2, … to concurrent tasks.
final class Ticket: Sendable {
    private let value = Mutex(0)
    func take() -> Int { value.withLock { n in defer { n += 1 }; return n } }
}

/// A list that concurrent tasks append to.
final class LockedList<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ element: Element) { items.withLock { $0.append(element) } }
    var all: [Element] { items.withLock { $0 } }
}
