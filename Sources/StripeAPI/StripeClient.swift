import Foundation
import Logging
import NIOPosix
import StripeJSON

/// A small client of Stripe's REST API: authenticated, version-pinned GETs with retries.
///
/// Retries follow `StripeRetryPolicy` (429, 5xx and connection failures, `Retry-After`,
/// `Stripe-Should-Retry`); the sleep between attempts is injectable so tests do not wait.
/// The final failure is a `StripeAPIError` whose message never holds the key.
public struct StripeClient: Sendable {
    public let configuration: StripeConfiguration
    private let transport: any StripeTransport
    private let sleep: @Sendable (Double) async throws -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: key, base URL, version, timeouts, retry policy.
    ///   - transport: how requests are sent (`CurlTransport` in production).
    ///   - logger: one line per retried attempt (no key, no body).
    ///   - sleep: waits the given seconds between attempts (default `Task.sleep`).
    public init(
        configuration: StripeConfiguration, transport: any StripeTransport,
        logger: Logger = Logger(label: "stripe-api", factory: { _ in SwiftLogNoOpLogHandler() }),
        sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        self.sleep = sleep
    }

    /// Runs `body` with a client over libcurl on a dedicated thread pool, shut down afterwards.
    /// - Parameters:
    ///   - threads: pool size; requests are sequential in this product, so 1–2 is plenty.
    public static func withCurlClient<T: Sendable>(
        configuration: StripeConfiguration, threads: Int = 2,
        logger: Logger = Logger(label: "stripe-api", factory: { _ in SwiftLogNoOpLogHandler() }),
        sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        _ body: (StripeClient) async throws -> T
    ) async throws -> T {
        let pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        let transport = CurlTransport(
            pool: pool, connectTimeoutSeconds: configuration.connectTimeoutSeconds,
            timeoutSeconds: configuration.timeoutSeconds)
        let client = StripeClient(configuration: configuration, transport: transport, logger: logger, sleep: sleep)
        do {
            let value = try await body(client)
            try? await pool.shutdownGracefully()
            return value
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    /// `GET <apiBase><path>?<query>`: a 2xx answer, or the final `StripeAPIError` after retries.
    /// - Parameters:
    ///   - path: e.g. `/v1/subscriptions/sub_123` (ids already escaped, see `pathSegment(_:)`).
    ///   - query: name/value pairs, escaped here; names may repeat (`types[]`).
    public func get(_ path: String, query: [(String, String)] = []) async throws -> StripeHTTPResponse {
        guard !configuration.apiKey.isEmpty else {
            throw StripeAPIError(.invalidConfiguration, "STRIPE_API_KEY is empty")
        }
        if let problem = StripeConfiguration.apiBaseProblem(configuration.apiBase) {
            throw StripeAPIError(.invalidConfiguration, problem)
        }
        let request = StripeHTTPRequest(url: configuration.apiBase + path + Self.queryString(query), headerLines: [
            "Authorization: Bearer \(configuration.apiKey)",
            "Stripe-Version: \(configuration.apiVersion)",
            "Accept: application/json",
            "User-Agent: billing-worker",
        ])
        var random = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            let outcome: Result<StripeHTTPResponse, StripeAPIError>
            do {
                outcome = .success(try await transport.get(request))
            } catch let error as StripeAPIError where error.code == .connectionFailed {
                outcome = .failure(error)
            }
            let status = try? outcome.get().status
            if let status, (200..<300).contains(status) { return try outcome.get() }
            let headers = (try? outcome.get().headers) ?? [:]
            switch configuration.retry.decide(afterAttempt: attempt, status: status, headers: headers, random: &random) {
            case .retry(let seconds):
                logger.notice("Stripe request retried", metadata: [
                    "stripe.path": "\(path)", "stripe.status": "\(status.map(String.init) ?? "none")",
                    "stripe.attempt": "\(attempt)", "stripe.delay_seconds": "\(seconds)",
                ])
                try await sleep(seconds)
                attempt += 1
            case .giveUp:
                switch outcome {
                case .success(let response): throw failure(response, path: path, attempts: attempt)
                case .failure(let error):
                    throw StripeAPIError(error.code, "\(error.message) (after \(attempt) attempt(s))")
                }
            }
        }
    }

    /// The error for a final non-2xx answer.
    private func failure(_ response: StripeHTTPResponse, path: String, attempts: Int) -> StripeAPIError {
        let detail = Self.stripeMessage(response.body).map { ": " + StripeAPIError.redacting($0, key: configuration.apiKey) } ?? ""
        let requestId = response.headers["request-id"].map { " [request \($0)]" } ?? ""
        let status = response.status
        let after = attempts > 1 ? " after \(attempts) attempts" : ""
        switch status {
        case 401:
            return StripeAPIError(.unauthorized, "Stripe rejected the API key (HTTP 401): check STRIPE_API_KEY\(requestId)",
                                  httpStatus: status)
        case 403:
            return StripeAPIError(.forbidden, "the API key may not read \(path) (HTTP 403)\(detail)\(requestId)", httpStatus: status)
        case 404:
            return StripeAPIError(.notFound, "\(path) does not exist (HTTP 404)\(detail)\(requestId)", httpStatus: status)
        case 429:
            return StripeAPIError(.rateLimited, "rate limited by Stripe on \(path) (HTTP 429)\(after)\(detail)\(requestId)", httpStatus: status)
        case 500...:
            return StripeAPIError(.serverError, "Stripe failed on \(path) (HTTP \(status))\(after)\(detail)\(requestId)", httpStatus: status)
        default:
            return StripeAPIError(.requestFailed, "Stripe refused \(path) (HTTP \(status))\(detail)\(requestId)", httpStatus: status)
        }
    }

    /// `error.message` of Stripe's error body, if it has one.
    private static func stripeMessage(_ body: [UInt8]) -> String? {
        StripeErrorBody.message(in: body).map { String($0.prefix(300)) }
    }

    /// `?a=1&b=2`, each name and value percent-escaped (RFC 3986 unreserved characters kept).
    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// An id escaped for use as one path segment.
    public static func pathSegment(_ id: String) -> String { escape(id) }

    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
