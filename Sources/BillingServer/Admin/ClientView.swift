import BillingCore
import Foundation

/// The client view of SPEC §7 as answered: the JSON object `ClientViewStore` renders, with `gate`
/// added from the status by the core's rule.
enum ClientView {
    /// Adds `gate` (from the status, by the core's rule) to a rendered view.
    static func object(_ text: String?) -> [String: Any] {
        var view = RowJSON.object(text)
        let status = (view["billing"] as? [String: Any])?["status"] as? String
        view["gate"] = status.flatMap(BillingStatus.init(rawValue:))?.paymentGate.rawValue ?? NSNull()
        return view
    }
}
