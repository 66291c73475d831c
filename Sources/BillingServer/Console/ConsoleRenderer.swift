import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// What every page shows around its body: the title, the signed-in admin and their CSRF token
/// (for the sign-out form and every other form), and a one-line flash message.
struct ConsolePage<Body> {
    let title: String
    let admin: String?
    let csrf: String?
    let flash: String?
    /// A one-line problem shown in red (a refused sign-in).
    let problem: String?
    let body: Body
}

/// Renders console pages from `ConsoleTemplates` into HTML responses with the console's
/// security headers.
struct ConsoleRenderer: Sendable {
    private let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("console template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// Headers of every console answer: HTML, never cached, no script, no framing, no sniffing.
    static let securityHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    /// The page `template` with `body`, as an HTML response.
    func page<Body>(
        _ template: String, title: String, session: ConsoleSession?, flash: String? = nil, problem: String? = nil, body: Body,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let page = ConsolePage(title: title, admin: session?.adminId, csrf: session?.csrfToken, flash: flash, problem: problem, body: body)
        return html(library.render(page, withTemplate: template) ?? "", status: status)
    }

    /// An error page: the status and a message safe to show (an `APIError` message).
    func error(_ status: HTTPResponse.Status, _ message: String, session: ConsoleSession?, back: String = "/console") -> Response {
        struct Body { let message: String; let back: String }
        return page("error", title: "\(status.code) \(status.reasonPhrase)", session: session,
                    body: Body(message: message, back: back), status: status)
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: Self.securityHeaders, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `303 See Other` to `location` (the answer to every successful form post).
    static func redirect(_ location: String, extraHeaders: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        headers.append(contentsOf: extraHeaders)
        return Response(status: .seeOther, headers: headers)
    }
}
