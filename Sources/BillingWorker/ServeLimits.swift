#if canImport(Glibc)
import Glibc
#endif
import BillingServer
import NIOCore

/// `serve`'s settings for hostile traffic (issue 16): HTTP deadlines, the connection cap, the
/// internal port, `/readyz` caching and the admin authentication throttle.
enum ServeLimits {
    static func read(into settings: inout ServerSettings) throws {
        var limits = HTTPServerLimits()
        limits.timeouts.header = .seconds(Int64(try Settings.integer(nil, env: "BILLING_HTTP_HEADER_TIMEOUT_SECONDS", default: 10, range: 1...600)))
        limits.timeouts.body = .seconds(Int64(try Settings.integer(nil, env: "BILLING_HTTP_BODY_TIMEOUT_SECONDS", default: 30, range: 1...3600)))
        limits.timeouts.idle = .seconds(Int64(try Settings.integer(nil, env: "BILLING_HTTP_IDLE_TIMEOUT_SECONDS", default: 60, range: 1...3600)))
        limits.maxConnections = try Settings.integer(nil, env: "BILLING_HTTP_MAX_CONNECTIONS", default: 4096, range: 16...1_000_000)
        settings.httpLimits = limits
        if Settings.optional(nil, env: "BILLING_INTERNAL_PORT") != nil {
            let internalPort = try Settings.integer(nil, env: "BILLING_INTERNAL_PORT", default: 0, range: 1...65535)
            if internalPort == settings.port { Settings.fail("BILLING_INTERNAL_PORT must differ from PORT (\(settings.port))") }
            settings.internalPort = internalPort
        }
        settings.readinessCacheSeconds = Double(try Settings.integer(nil, env: "BILLING_READYZ_CACHE_SECONDS", default: 2, range: 1...60))
        settings.authFailureLimit = try Settings.integer(nil, env: "BILLING_AUTH_FAILURE_LIMIT", default: 10, range: 1...10_000)
        settings.authFailureWindowSeconds = Int64(try Settings.integer(nil, env: "BILLING_AUTH_FAILURE_WINDOW_SECONDS", default: 60, range: 1...86_400))
        switch TrustedProxies.parse(Settings.optional(nil, env: "BILLING_TRUSTED_PROXIES") ?? "") {
        case .success(let proxies): settings.trustedProxies = proxies
        case .failure(let invalid): Settings.fail("BILLING_TRUSTED_PROXIES: \"\(invalid.entry)\" is not an IP address or CIDR block")
        }
    }

    /// Caps glibc's malloc arenas at two (unless `MALLOC_ARENA_MAX` says otherwise): by default
    /// glibc gives each of the service's threads (event loops, one per database connection) an arena
    /// of its own, up to 8 per core, and the memory each keeps grows the RSS, not the throughput,
    /// on a service that allocates briefly per request.
    static func limitMallocArenas() {
        #if canImport(Glibc)
        if getenv("MALLOC_ARENA_MAX") == nil { _ = glibcMallopt(mArenaMax, 2) }
        #endif
    }

    /// Raises the soft limit on open descriptors to the hard limit, so that the connection cap,
    /// not `EMFILE`, bounds the connections; returns the soft limit in force.
    static func raiseDescriptorLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` (`<malloc.h>`, which the Glibc module does not export) and its `M_ARENA_MAX`.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let mArenaMax: Int32 = -8
#endif
