/// Everything `serve` needs, resolved once at the edge from the environment and flags (SPEC §8).
public struct ServerSettings: Sendable {
    /// libpq URL of the billing database.
    public var databaseURL: String
    /// Webhook endpoint secrets (`whsec_…`); several while a secret is being rotated.
    public var webhookSecrets: [String]
    /// Largest accepted age of a signature's timestamp, seconds; 0 turns the check off.
    public var webhookToleranceSeconds: Int64 = 300
    /// When set, events of the other mode are stored and ignored.
    public var livemode: Bool?
    /// `adminId → token` pairs for the admin API.
    public var adminTokens: [(adminId: String, token: String)] = []
    /// Marks the console's cookies `Secure` on every answer, not only when the proxy in front
    /// says the request came over TLS (`X-Forwarded-Proto: https`).
    public var consoleSecureCookies: Bool = false
    /// Processing attempts before an event becomes `failed`.
    public var maxAttempts: Int = 8
    /// Largest accepted webhook body, bytes (default 1 MiB).
    public var maxBodyBytes: Int = 1 << 20
    /// Folder of migration files, for `/readyz`.
    public var migrationsDirectory: String = "migrations"
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Port of the internal listener for `/healthz`, `/readyz` and `/metrics`; when set, the public
    /// port no longer serves them.
    public var internalPort: Int?
    /// Deadlines, connection cap and request-head bounds of the HTTP listeners.
    public var httpLimits = HTTPServerLimits()
    /// `/readyz` answers from a result at most this old: one database check per period.
    public var readinessCacheSeconds: Double = 2
    /// Failed admin authentications per client address and window before answers become 429.
    public var authFailureLimit: Int = 10
    /// The window of `authFailureLimit`, seconds.
    public var authFailureWindowSeconds: Int64 = 60
    /// Peers whose `X-Forwarded-For` is believed (load balancers, ingress); addresses or CIDR blocks.
    public var trustedProxies = TrustedProxies([])
    /// Connections in the PostgreSQL pool.
    public var poolSize: Int = 8
    /// Longest wait for a free pooled connection before a request is answered 503 `unavailable`.
    public var poolCheckoutTimeout: Duration = .seconds(5)
    /// Processor loops in this process, each with its own share of the customers
    /// (`BILLING_PROCESSOR_LOOPS`). One by default: on 2 cores, two loops settled fewer events per
    /// second end to end (each loop's claim walks past the other share's due rows, and two batch
    /// transactions compete with ingest for the same cores).
    public var processorLoops: Int = 1

    public init(databaseURL: String, webhookSecrets: [String]) {
        self.databaseURL = databaseURL
        self.webhookSecrets = webhookSecrets
    }
}
