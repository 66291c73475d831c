/// One HTTP GET as the client sends it.
public struct StripeHTTPRequest: Sendable, Hashable {
    /// The full URL, query included.
    public var url: String
    /// Header lines as `Name: value` (the key travels here, so a request is never logged).
    public var headerLines: [String]

    public init(url: String, headerLines: [String]) {
        self.url = url
        self.headerLines = headerLines
    }
}

/// One HTTP answer.
public struct StripeHTTPResponse: Sendable, Hashable {
    public var status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends one request, blocking nothing on Swift's cooperative pool. Throws `StripeAPIError`
/// with code `connectionFailed` when no answer arrived (any HTTP answer is returned, not thrown).
public protocol StripeTransport: Sendable {
    func get(_ request: StripeHTTPRequest) async throws -> StripeHTTPResponse
}
