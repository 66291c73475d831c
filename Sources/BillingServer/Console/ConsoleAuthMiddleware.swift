import Hummingbird
import HTTPTypes

/// Guards every console page except sign-in: without a valid session cookie (or with one whose
/// session was signed out) the answer is a redirect to the sign-in form; every POST must carry the session's CSRF token in `_csrf`
/// (else 403, nothing done). The session and the parsed form go into the context.
struct ConsoleAuthMiddleware: RouterMiddleware {
    typealias Context = AppContext

    let codec: ConsoleSessionCodec
    let revocations: ConsoleRevocations
    let renderer: ConsoleRenderer
    let now: @Sendable () -> Int64

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let verified = request.cookies[ConsoleCookies.session].flatMap { codec.verify($0.value, now: now()) }
        var revoked = false
        if let verified {
            do {
                revoked = try await revocations.isRevoked(verified)
            } catch let error as APIError {
                return renderer.error(error.status, error.message, session: nil)
            }
        }
        guard let session = verified, !revoked else {
            let target = request.method == .get ? request.uri.description : nil
            return ConsoleRenderer.redirect(ConsoleURL.make("/console/sign-in", [("next", target)]))
        }
        var context = context
        context.adminId = session.adminId
        context.consoleSession = session
        if request.method == .post {
            let form: ConsoleForm
            do {
                form = try await ConsoleForm.read(request)
            } catch let error as APIError {
                return renderer.error(error.status, error.message, session: session)
            }
            guard ConsoleSessionCodec.csrfMatches(form["_csrf"], session) else {
                context.logger.warning("console form refused: CSRF token missing or wrong", metadata: [LogKey.adminId: .string(session.adminId)])
                return renderer.error(.forbidden, "This form was refused: its security token is missing or stale. Reload the page and try again.",
                                      session: session)
            }
            context.consoleForm = form
        }
        return try await next(request, context)
    }
}

/// Renders an `APIError` thrown by a console page (bad filter, unknown client, blank reason,
/// already acknowledged…) as an HTML error page instead of the JSON body of the admin API.
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext

    let renderer: ConsoleRenderer

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            let back = request.method == .post ? (request.headers[.referer].flatMap(ConsoleURL.safeReturn) ?? "/console") : "/console"
            return renderer.error(error.status, error.message, session: context.consoleSession, back: back)
        }
    }
}

/// Names and attributes of the console's cookies.
enum ConsoleCookies {
    /// The signed session (`ConsoleSessionCodec`).
    static let session = "bw_console"
    /// The sign-in form's own CSRF token (double-submit), before any session exists.
    static let signIn = "bw_console_signin"

    /// `HttpOnly`, `SameSite=Strict`, scoped to `/console`; `Secure` when the request came over
    /// TLS (`X-Forwarded-Proto: https` from the proxy in front) or the settings say so.
    static func make(_ name: String, value: String, maxAge: Int, request: Request, alwaysSecure: Bool) -> Cookie {
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased()
        let secure = alwaysSecure || forwarded == "https"
        return Cookie(name: name, value: value, maxAge: maxAge, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }
}
