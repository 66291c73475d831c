import BillingServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// Helpers of the console tests: a signed-in operator (cookie + CSRF token), form posts and
/// HTML answers. The router test client keeps no cookies, so each request carries them.
enum ConsoleTest {
    /// A console answer: status, headers and the HTML text.
    struct Page: Sendable {
        let status: Int
        let headers: HTTPFields
        let html: String

        var location: String? { headers[.location] }
        var setCookies: [String] { headers[values: .setCookie] }

        /// The value set for cookie `name` by this answer, if any.
        func cookie(_ name: String) -> String? {
            setCookies.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
        }

        /// The first hidden `_csrf` field of the page.
        var csrf: String? { ConsoleTest.field("_csrf", in: html) }
    }

    /// A signed-in operator: the session cookie and the session's CSRF token.
    struct Operator: Sendable {
        let cookie: String
        let csrf: String
        var cookieHeader: String { "bw_console=\(cookie)" }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String? = nil,
                    headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Page(status: Int(response.status.code), headers: response.headers, html: String(buffer: response.body))
        }
    }

    /// Posts `fields` form-encoded with `cookie`.
    static func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [(String, String)], cookie: String? = nil,
                     headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        let body = fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            Page(status: Int(response.status.code), headers: response.headers, html: String(buffer: response.body))
        }
    }

    /// Signs in through the form with `token` and answers the operator (or fails the test).
    static func signIn(_ client: some TestClientProtocol, token: String = AdminTest.aliceToken) async throws -> Operator {
        let form = try await get(client, "/console/sign-in")
        guard let signInToken = form.cookie("bw_console_signin"), let csrf = form.csrf else {
            throw ConsoleTestError("no sign-in form: \(form.status)")
        }
        let answer = try await post(client, "/console/sign-in", [("_csrf", csrf), ("token", token), ("next", "")],
                                    cookie: "bw_console_signin=\(signInToken)")
        guard answer.status == 303, let session = answer.cookie("bw_console") else {
            throw ConsoleTestError("sign-in refused: \(answer.status)")
        }
        let overview = try await get(client, "/console", cookie: "bw_console=\(session)")
        guard let sessionCSRF = overview.csrf else { throw ConsoleTestError("no CSRF token on the overview") }
        return Operator(cookie: session, csrf: sessionCSRF)
    }

    /// The value of the first `<input … name="<name>" value="…">` of `html`.
    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

struct ConsoleTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension ConsoleTest {
    /// The value of attribute `name` on the element whose opening tag contains `marker`.
    static func attribute(_ name: String, of marker: String, in html: String) -> String? {
        guard let at = html.range(of: marker) else { return nil }
        let tagStart = html[..<at.lowerBound].lastIndex(of: "<") ?? html.startIndex
        let tag = html[tagStart...].prefix { $0 != ">" }
        guard let range = tag.range(of: "\(name)=\"") else { return nil }
        return String(tag[range.upperBound...].prefix { $0 != "\"" })
    }
}
