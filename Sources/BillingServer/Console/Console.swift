import BillingPostgres
import Hummingbird

/// The operator console (issue 10): server-rendered pages under `/console` over the same
/// actions as the admin API (`AdminActions`), so a change made here writes the same audit row.
///
/// Sign-in takes an admin token of `BILLING_ADMIN_TOKENS` and answers a signed session cookie;
/// every other page needs that session (else a redirect to sign-in) and every form post its
/// CSRF token (else 403).
enum Console {
    /// Every console path starts with this.
    static let prefix = "/console"

    /// Adds the console's routes to `router`.
    static func addRoutes(to router: Router<AppContext>, parts: BillingApplicationParts, guardrail: AuthGuard) {
        let renderer = ConsoleRenderer()
        let codec = ConsoleSessionCodec(tokens: parts.settings.adminTokens)
        let revocations = ConsoleRevocations(pool: parts.pool)
        let signIn = ConsoleSignIn(codec: codec, revocations: revocations, guardrail: guardrail, tokens: AdminTokens(parts.settings.adminTokens),
                                   renderer: renderer, secureCookies: parts.settings.consoleSecureCookies, now: parts.now)
        signIn.addRoutes(to: router.group(RouterPath(prefix)))
        let pages = router.group(RouterPath(prefix))
            .add(middleware: ConsoleAuthMiddleware(codec: codec, revocations: revocations, renderer: renderer, now: parts.now))
            .add(middleware: ConsoleErrorMiddleware(renderer: renderer))
        signIn.addSignOut(to: pages)
        ConsoleController(actions: AdminActions(parts), renderer: renderer).addRoutes(to: pages)
    }
}

/// The pages behind a session (`ConsoleController+…` files hold one area each).
struct ConsoleController: Sendable {
    let actions: AdminActions
    let renderer: ConsoleRenderer

    var db: AdminDatabase { actions.db }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("") { _, context in try await self.overview(context) }
        group.get("clients") { request, context in try await self.clients(request, context) }
        group.get("clients/:id") { request, context in try await self.client(request, context) }
        group.post("clients/:id/:action") { _, context in try await self.clientAction(context) }
        group.get("alerts") { request, context in try await self.alerts(request, context) }
        group.post("alerts/:id/acknowledge") { _, context in try await self.acknowledge(context) }
        group.get("events") { request, context in try await self.events(request, context) }
        group.get("events/:id") { request, context in try await self.event(request, context) }
        group.post("events/:id/replay") { _, context in try await self.replay(context) }
    }

    /// The page `template` for the request's session.
    func page<Body>(_ template: String, _ title: String, _ context: AppContext, flash: String? = nil, body: Body) -> Response {
        renderer.page(template, title: title, session: context.consoleSession, flash: flash, body: body)
    }
}

extension AppContext {
    /// The console session (always set behind `ConsoleAuthMiddleware`).
    func requireConsoleSession() throws -> ConsoleSession {
        guard let consoleSession else { throw APIError.unauthorized }
        return consoleSession
    }

    /// The console form of a POST (always set behind `ConsoleAuthMiddleware`).
    func requireConsoleForm() throws -> ConsoleForm {
        guard let consoleForm else { throw APIError.invalidRequest("a form body is required") }
        return consoleForm
    }
}
