import Hummingbird
import Logging

/// `GET/POST /console/sign-in` and `POST /console/sign-out`.
///
/// The sign-in form has its own CSRF token (double-submit: a short-lived cookie and a hidden
/// field), since no session exists yet. A right token answers the session cookie and a redirect
/// to the page first asked for (a console path only).
///
/// Wrong tokens count towards the same per-address throttle as the admin API's (429 with
/// `Retry-After` past the limit). Sign-out revokes the session in PostgreSQL, not only the cookie.
struct ConsoleSignIn: Sendable {
    let codec: ConsoleSessionCodec
    let revocations: ConsoleRevocations
    let guardrail: AuthGuard
    let tokens: AdminTokens
    let renderer: ConsoleRenderer
    let secureCookies: Bool
    let now: @Sendable () -> Int64

    /// The form's fields: where to go after sign-in, and the form's own CSRF token.
    struct Body {
        let next: String
        let csrf: String
    }

    func addRoutes(to group: RouterGroup<AppContext>) {
        group.get("sign-in") { request, _ in await self.form(request) }
        group.post("sign-in") { request, context in try await self.signIn(request, context) }
    }

    func addSignOut(to group: RouterGroup<AppContext>) {
        group.post("sign-out") { request, context in try await self.signOut(request, context) }
    }

    /// The form, with a fresh sign-in CSRF cookie; a signed-in operator goes to the overview.
    func form(_ request: Request, problem: String? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        if let cookie = request.cookies[ConsoleCookies.session]?.value, let session = codec.verify(cookie, now: now()),
           (try? await revocations.isRevoked(session)) == false {
            return ConsoleRenderer.redirect(Console.prefix)
        }
        let token = Base64URL.randomToken()
        let next = request.uri.queryParameters["next"].map(String.init).flatMap(ConsoleURL.safeReturn) ?? ""
        var response = renderer.page("sign-in", title: "Sign in", session: nil, problem: problem,
                                     body: Body(next: next, csrf: token), status: status)
        response.setCookie(ConsoleCookies.make(ConsoleCookies.signIn, value: token, maxAge: 1800, request: request, alwaysSecure: secureCookies))
        return response
    }

    func signIn(_ request: Request, _ context: AppContext) async throws -> Response {
        let address = guardrail.clientAddress(request, context)
        if let wait = guardrail.throttle.retryAfter(address) {
            guardrail.metrics.authThrottled(surface: "console")
            var response = await self.form(request, problem: "Too many failed sign-ins from this address. Try again in \(wait) seconds.",
                                           status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let form = try await ConsoleForm.read(request)
        guard let expected = request.cookies[ConsoleCookies.signIn]?.value,
              ConsoleSessionCodec.csrfMatches(form["_csrf"], ConsoleSession(adminId: "", csrfToken: expected))
        else {
            return await self.form(request, problem: "The sign-in form expired. Please sign in again.", status: .forbidden)
        }
        guard let presented = form["token"], !presented.isEmpty, let adminId = tokens.adminId(for: presented),
              let value = codec.issue(adminId: adminId, now: now())
        else {
            guardrail.failed(address, surface: "console", context: context)
            context.logger.warning("console sign-in refused")
            return await self.form(request, problem: "That token is not valid.", status: .unauthorized)
        }
        context.logger.info("console sign-in", metadata: [LogKey.adminId: .string(adminId)])
        let next = form["next"].flatMap(ConsoleURL.safeReturn) ?? Console.prefix
        var response = ConsoleRenderer.redirect(next)
        response.setCookie(ConsoleCookies.make(ConsoleCookies.session, value: value, maxAge: Int(ConsoleSessionCodec.lifetime),
                                               request: request, alwaysSecure: secureCookies))
        response.setCookie(ConsoleCookies.make(ConsoleCookies.signIn, value: "", maxAge: 0, request: request, alwaysSecure: secureCookies))
        return response
    }

    /// Revokes the session in PostgreSQL, then clears the cookie (behind the session and CSRF checks).
    /// If the revocation cannot be stored, the answer is an error page and the cookie is kept, so
    /// the operator knows the session is still live and can retry.
    func signOut(_ request: Request, _ context: AppContext) async throws -> Response {
        let session = try context.requireConsoleSession()
        do {
            try await revocations.revoke(session)
        } catch let error as APIError {
            return renderer.error(error.status, "Signing out failed: the session could not be revoked. Try again.", session: session)
        }
        context.logger.info("console sign-out", metadata: [LogKey.adminId: .string(context.adminId ?? "")])
        var response = ConsoleRenderer.redirect(Console.prefix + "/sign-in")
        response.setCookie(ConsoleCookies.make(ConsoleCookies.session, value: "", maxAge: 0, request: request, alwaysSecure: secureCookies))
        return response
    }
}
