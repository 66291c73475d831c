/// How to reach Stripe's REST API (SPEC §8: `STRIPE_API_KEY`, `STRIPE_API_BASE`).
///
/// `description` never shows the key, so the configuration is safe to log.
public struct StripeConfiguration: Sendable, CustomStringConvertible {
    /// The API version every request pins with `Stripe-Version`, so that responses have the
    /// shape the decoders expect whatever the account's default version is.
    public static let pinnedAPIVersion = "2025-03-31.basil"
    /// Stripe's production API.
    public static let defaultAPIBase = "https://api.stripe.com"

    /// The secret (`sk_…`) or restricted (`rk_…`) key, sent as `Authorization: Bearer`.
    public var apiKey: String
    /// Scheme, host and optional port, without a trailing slash (tests and `stripe-mock` point it elsewhere).
    public var apiBase: String
    /// The `Stripe-Version` header.
    public var apiVersion: String
    /// Seconds to establish the connection (curl `CONNECTTIMEOUT`).
    public var connectTimeoutSeconds: Int
    /// Seconds for the whole request, connection included (curl `TIMEOUT`).
    public var timeoutSeconds: Int
    /// Attempts per request, the first included, and the delays between them.
    public var retry: StripeRetryPolicy

    /// - Parameters:
    ///   - apiKey: the secret or restricted key.
    ///   - apiBase: default `https://api.stripe.com`; a trailing `/` is dropped.
    ///   - apiVersion: default `2025-03-31.basil`.
    ///   - connectTimeoutSeconds: default 10.
    ///   - timeoutSeconds: default 60 (a page of 100 events is a few hundred KiB).
    ///   - retry: default 5 attempts, Stripe-style backoff.
    public init(
        apiKey: String, apiBase: String = StripeConfiguration.defaultAPIBase,
        apiVersion: String = StripeConfiguration.pinnedAPIVersion, connectTimeoutSeconds: Int = 10,
        timeoutSeconds: Int = 60, retry: StripeRetryPolicy = StripeRetryPolicy()
    ) {
        self.apiKey = apiKey
        var base = apiBase
        while base.hasSuffix("/") { base.removeLast() }
        self.apiBase = base
        self.apiVersion = apiVersion
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
        self.retry = retry
    }

    /// Why `base` cannot be `STRIPE_API_BASE`, or `nil` when it can (issue 16): the secret key
    /// travels in every request, so the base must be `https://`, except on a loopback host
    /// (`127.0.0.0/8`, `::1`, `localhost`) where tests and `stripe-mock` run.
    public static func apiBaseProblem(_ base: String) -> String? {
        let lower = base.lowercased()
        if lower.hasPrefix("https://") {
            return lower.count > "https://".count ? nil : "STRIPE_API_BASE has no host"
        }
        guard lower.hasPrefix("http://") else { return "STRIPE_API_BASE must start with https:// (got \"\(base)\")" }
        let authority = lower.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return "STRIPE_API_BASE must not hold credentials" }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.dropFirst().prefix { $0 != "]" }
        } else {
            host = authority.prefix { $0 != ":" }
        }
        let loopback = host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4
            && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
        return loopback ? nil : "STRIPE_API_BASE must be https:// unless its host is loopback (got \"\(base)\")"
    }

    public var description: String {
        "StripeConfiguration(apiBase: \(apiBase), apiVersion: \(apiVersion), apiKey: [redacted])"
    }
}
