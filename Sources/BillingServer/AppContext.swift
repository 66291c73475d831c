import Foundation
import Hummingbird
import NIOCore

/// The request context of every route. The admin API stores the authenticated admin id here.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the admin authentication middleware (and by the console's, for a signed-in operator).
    public var adminId: String?
    /// The console session of the request, set by `ConsoleAuthMiddleware`.
    var consoleSession: ConsoleSession?
    /// The submitted form of a console POST, read (and its CSRF token checked) by `ConsoleAuthMiddleware`.
    var consoleForm: ConsoleForm?
    /// The connection, for `peerAddress`: read only by the routes that need it (the admin
    /// throttle), not formatted for every webhook delivery.
    private let channel: any Channel
    /// The TCP peer's address (the proxy's, behind one); `nil` when unknown (in-process tests).
    public var peerAddress: String? { channel.remoteAddress?.ipAddress }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        adminId = nil
        consoleSession = nil
        consoleForm = nil
        channel = source.channel
    }

    public var responseEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
