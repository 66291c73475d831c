#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 for fakes of remote APIs (Stripe) in tests.
///
/// One thread accepts, one thread per connection answers one request and closes
/// (`Connection: close`). No event loop, no task to cancel: stopping shuts the listening
/// socket down and the accept thread closes it, so nothing is left half-served.
public final class LoopbackHTTPServer: Sendable {
    /// A parsed request: method, path (without query), the raw query, lowercased header names.
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let query: String
        public let headers: [String: String]
    }

    /// An answer: status, headers, body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
        public init(status: Int, headers: [String: String] = [:], body: String) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    public let port: UInt16
    private let listener: Int32
    /// `stopped`: `stop()` was called. `closed`: the accept thread has closed `listener`, so its
    /// number may belong to another test's socket and must not be shut down.
    private let state = ListenerState()

    private final class ListenerState: Sendable {
        let flags = Mutex((stopped: false, closed: false))
    }

    /// Starts serving `handler` on a free loopback port.
    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError(message: "socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ProxyError(message: "cannot listen on 127.0.0.1 (errno \(errno))")
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = UInt16(bigEndian: out.sin_port)
        listener = fd
        let state = self.state
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client >= 0 {
                    Thread.detachNewThread { Self.serve(client, handler) }
                    continue
                }
                let transient = errno == EINTR || errno == ECONNABORTED
                let done = state.flags.withLock { s -> Bool in
                    if transient, !s.stopped { return false }
                    s.closed = true
                    close(fd)  // under the lock: `stop()` never shuts down a number reused after this
                    return true
                }
                if done { return }
            }
        }
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting; connections in progress finish on their own threads.
    public func stop() {
        state.flags.withLock { s in
            if !s.stopped, !s.closed { shutdown(listener, Int32(SHUT_RDWR)) }
            s.stopped = true
        }
    }

    deinit { stop() }

    private static func serve(_ fd: Int32, _ handler: @Sendable (Request) -> Response) {
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while data.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            data += buffer[0..<n]
            if data.count >= 4, (0...(data.count - 4)).contains(where: { Array(data[$0..<($0 + 4)]) == separator }) { break }
        }
        let head = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = requestLine[1]
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let response = handler(Request(method: requestLine[0], path: parts[0], query: parts.count > 1 ? parts[1] : "", headers: headers))
        let body = Array(response.body.utf8)
        var text = "HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(text.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let m = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if m <= 0 { return }
            sent += m
        }
        shutdown(fd, Int32(SHUT_WR))
    }
}
