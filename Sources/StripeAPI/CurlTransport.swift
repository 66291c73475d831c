import CCurlShim
import NIOPosix

/// `StripeTransport` over libcurl's easy interface (through `CCurlShim`, since
/// `curl_easy_setopt` is variadic). Every curl call runs on the given `NIOThreadPool`, never on
/// Swift's cooperative pool: `curl_easy_perform` blocks its thread for the whole request.
public struct CurlTransport: StripeTransport {
    private let pool: NIOThreadPool
    private let connectTimeoutSeconds: Int
    private let timeoutSeconds: Int
    private let maxBodyBytes: Int

    /// - Parameters:
    ///   - pool: a started pool the caller owns (and shuts down after the last request).
    ///   - connectTimeoutSeconds: curl `CONNECTTIMEOUT`.
    ///   - timeoutSeconds: curl `TIMEOUT` (whole request).
    ///   - maxBodyBytes: a larger answer fails as `invalidResponse` (default 64 MiB).
    public init(pool: NIOThreadPool, connectTimeoutSeconds: Int, timeoutSeconds: Int, maxBodyBytes: Int = 64 << 20) {
        self.pool = pool
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
        self.maxBodyBytes = maxBodyBytes
    }

    public func get(_ request: StripeHTTPRequest) async throws -> StripeHTTPResponse {
        let (connect, total, limit) = (connectTimeoutSeconds, timeoutSeconds, maxBodyBytes)
        return try await pool.runIfActive {
            try Self.perform(request, connectTimeout: connect, timeout: total, maxBodyBytes: limit)
        }
    }

    /// `curl_global_init` must run once, before any other curl call, while no other thread uses curl.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    private static func perform(
        _ request: StripeHTTPRequest, connectTimeout: Int, timeout: Int, maxBodyBytes: Int
    ) throws -> StripeHTTPResponse {
        guard globalInit == CURLE_OK, let handle = curl_easy_init() else {
            throw StripeAPIError(.connectionFailed, "libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for line in request.headerLines { headerList = curl_slist_append(headerList, line) }
        defer { curl_slist_free_all(headerList) }

        let body = UnsafeMutablePointer<ccurl_buffer>.allocate(capacity: 1)
        body.initialize(to: ccurl_buffer(data: nil, len: 0, cap: 0, limit: maxBodyBytes, overflow: 0))
        let headers = UnsafeMutablePointer<ccurl_buffer>.allocate(capacity: 1)
        headers.initialize(to: ccurl_buffer(data: nil, len: 0, cap: 0, limit: 1 << 20, overflow: 0))
        defer {
            ccurl_buffer_free(body); body.deallocate()
            ccurl_buffer_free(headers); headers.deallocate()
        }

        var rc = ccurl_setopt_string(handle, CURLOPT_URL, request.url)
        for (option, value) in [(CURLOPT_NOSIGNAL, 1), (CURLOPT_CONNECTTIMEOUT, connectTimeout),
                                (CURLOPT_TIMEOUT, timeout), (CURLOPT_FOLLOWLOCATION, 0), (CURLOPT_HTTPGET, 1)]
        where rc == CURLE_OK {
            rc = ccurl_setopt_long(handle, option, value)
        }
        if rc == CURLE_OK { rc = ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https") }
        if rc == CURLE_OK { rc = ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "") }
        if rc == CURLE_OK { rc = ccurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList) }
        if rc == CURLE_OK { rc = ccurl_capture(handle, body, headers) }
        guard rc == CURLE_OK else {
            throw StripeAPIError(.invalidConfiguration, "libcurl refused an option: \(Self.describe(rc))")
        }

        rc = curl_easy_perform(handle)
        if body.pointee.overflow != 0 {
            throw StripeAPIError(.invalidResponse, "the answer is larger than \(maxBodyBytes) bytes")
        }
        guard rc == CURLE_OK else {
            throw StripeAPIError(.connectionFailed, "no answer from Stripe: \(Self.describe(rc))")
        }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return StripeHTTPResponse(status: status, headers: Self.parseHeaders(Self.bytes(headers)), body: Self.bytes(body))
    }

    private static func bytes(_ buffer: UnsafeMutablePointer<ccurl_buffer>) -> [UInt8] {
        guard let data = buffer.pointee.data, buffer.pointee.len > 0 else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: buffer.pointee.len) {
            Array(UnsafeBufferPointer(start: $0, count: buffer.pointee.len))
        }
    }

    /// The header lines of the last response in `raw` (a `100 Continue` block comes first).
    static func parseHeaders(_ raw: [UInt8]) -> [String: String] {
        var headers: [String: String] = [:]
        for line in String(decoding: raw, as: UTF8.self).split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
            if line.hasPrefix("HTTP/") { headers = [:]; continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingSpaces
        }
        return headers
    }

    private static func describe(_ code: CURLcode) -> String {
        "curl error \(code.rawValue) (\(String(cString: curl_easy_strerror(code))))"
    }
}
