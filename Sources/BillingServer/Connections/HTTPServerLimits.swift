import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Limits of the public HTTP server (issue 16): per-phase deadlines, a cap on open connections
/// and bounds on a request head. Every field has a setting (README, configuration table).
public struct HTTPServerLimits: Sendable, Equatable {
    /// Header, body and idle deadlines of each connection.
    public var timeouts: ConnectionTimeouts
    /// Connections served at once; beyond it new ones wait in the listen backlog. High enough
    /// (thousands) that the timeouts, not the cap, dispose of idle attackers.
    public var maxConnections: Int
    /// Largest request head (all header lines together), bytes. Stripe's are well under 4 KiB.
    public var maxHeaderBytes: Int
    /// Most header fields in one request.
    public var maxHeaderFields: Int

    public init(timeouts: ConnectionTimeouts = .init(), maxConnections: Int = 4096, maxHeaderBytes: Int = 32 * 1024,
                maxHeaderFields: Int = 100) {
        self.timeouts = timeouts
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderFields = maxHeaderFields
    }

    /// The HTTP/1 server with these limits: Hummingbird's channel with decoder limits, and a
    /// `ConnectionGuardHandler` per connection. (Hummingbird's own idle timeout is not used: it
    /// restarts on every body part, so a body sent a byte at a time would never expire.)
    func serverBuilder(metrics: BillingMetrics) -> HTTPServerBuilder {
        let timeouts = self.timeouts
        var configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuardHandler(timeouts: timeouts, onExpiry: { metrics.connectionClosed(reason: $0.rawValue) })],
            idleTimeout: nil)
        configuration.httpDecoder = .init(maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes,
                                          maxHeaderFieldCount: maxHeaderFields)
        return .http1(configuration: configuration)
    }

    /// Hummingbird's server configuration: address plus the connection cap.
    func serverConfiguration(host: String, port: Int, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil, backlog: 1024,
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
    }
}
