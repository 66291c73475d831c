import Foundation
import Hummingbird

/// The request context of every route. The admin API stores the authenticated admin id here.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the admin authentication middleware.
    public var adminId: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        adminId = nil
    }

    public var responseEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
