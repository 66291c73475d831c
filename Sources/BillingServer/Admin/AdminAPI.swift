import BillingPostgres
import Hummingbird

/// The admin API of SPEC §7, mounted under `/api/admin` behind `AdminAuthMiddleware`.
enum AdminAPI {
    /// Every admin route's path starts with this.
    static let prefix = "/api/admin"

    /// Adds every admin route to `router`.
    static func addRoutes(to router: Router<AppContext>, parts: BillingApplicationParts, guardrail: AuthGuard) {
        let group = router.group(RouterPath(prefix))
            .add(middleware: AdminAuthMiddleware(tokens: parts.settings.adminTokens, guardrail: guardrail))
        let actions = AdminActions(parts)
        ClientsController(db: actions.db, actions: actions).addRoutes(to: group)
        AlertsController(db: actions.db, actions: actions).addRoutes(to: group)
        EventsController(db: actions.db, actions: actions).addRoutes(to: group)
        ActionsController(db: actions.db).addRoutes(to: group)
    }
}

extension LogKey {
    /// The admin action of a log line (`confirm-payment`, …).
    static let action = "billing.action"
}
