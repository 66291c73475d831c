#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A loopback TCP proxy in front of PostgreSQL, so a test can make the database unreachable
/// for one service without stopping the cluster that other tests share.
///
/// `cut()` closes every proxied connection and refuses new ones (connection refused);
/// `restore()` accepts again on the same port.
public final class TCPProxy: Sendable {
    public let port: UInt16
    private let targetPort: UInt16
    private struct State {
        var listener: Int32 = -1
        var sockets: Set<Int32> = []
        var open = true
        var generation = 0
    }
    private let state = Mutex(State())

    /// Starts a proxy on a free 127.0.0.1 port forwarding to `127.0.0.1:targetPort`.
    public init(targetPort: UInt16) throws {
        self.targetPort = targetPort
        let (fd, port) = try Self.listen(port: 0)
        self.port = port
        state.withLock { $0.listener = fd }
        startAccepting(fd: fd, generation: 0)
    }

    /// Rewrites a `postgresql://user@host:port/db` URL to go through this proxy.
    public func url(through original: String) -> String {
        guard var c = URLComponents(string: original) else { return original }
        c.host = "127.0.0.1"
        c.port = Int(port)
        return c.string ?? original
    }

    /// Drops every proxied connection and refuses new ones.
    ///
    /// Sockets are only shut down here, never closed: the thread that owns a socket closes it
    /// once it has stopped using it, so no descriptor number is closed twice or touched after
    /// the process has reused it for another connection.
    public func cut() {
        // Shut down under the lock: a pump removes its sockets under the same lock before it
        // closes them, so every descriptor shut down here is still ours.
        state.withLock { s in
            s.open = false
            s.generation += 1
            for fd in s.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
            if s.listener >= 0 { shutdown(s.listener, Int32(SHUT_RDWR)) }
            s.listener = -1
        }
    }

    /// Accepts connections again, on the same port.
    public func restore() throws {
        let (fd, _) = try Self.listen(port: port)
        let generation = state.withLock { s -> Int in
            s.open = true
            s.listener = fd
            return s.generation
        }
        startAccepting(fd: fd, generation: generation)
    }

    deinit { cut() }

    private func startAccepting(fd: Int32, generation: Int) {
        let target = targetPort
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    // This thread owns the listener and closes it, under the lock, once `cut()` has
                    // shut it down or accept fails for good: `cut()` never touches a reused number.
                    let transient = errno == EINTR || errno == ECONNABORTED
                    let done = state.withLock { s -> Bool in
                        if transient, s.listener == fd { return false }
                        if s.listener == fd { s.listener = -1 }
                        close(fd)
                        return true
                    }
                    if done { return }
                    continue
                }
                let upstream = Self.connectTo(port: target)
                let accepted = state.withLock { s -> Bool in
                    guard s.open, s.generation == generation, upstream >= 0 else { return false }
                    s.sockets.insert(client)
                    s.sockets.insert(upstream)
                    return true
                }
                if !accepted {
                    close(client)
                    if upstream >= 0 { close(upstream) }
                    continue
                }
                let pair = SocketPair(a: client, b: upstream, proxy: self)
                Self.pump(from: client, to: upstream, pair: pair)
                Self.pump(from: upstream, to: client, pair: pair)
            }
        }
    }

    /// Both directions of one proxied connection; the last pump to finish closes both sockets.
    private final class SocketPair: Sendable {
        let a: Int32
        let b: Int32
        let proxy: TCPProxy
        private let running = Mutex(2)
        init(a: Int32, b: Int32, proxy: TCPProxy) { (self.a, self.b, self.proxy) = (a, b, proxy) }

        func pumpFinished() {
            let last = running.withLock { n -> Bool in n -= 1; return n == 0 }
            guard last else { return }
            proxy.state.withLock { s in
                s.sockets.remove(a)
                s.sockets.remove(b)
            }
            close(a)
            close(b)
        }
    }

    private static func pump(from: Int32, to: Int32, pair: SocketPair) {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            loop: while true {
                let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                var sent = 0
                while sent < n {
                    let m = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                    if m <= 0 { break loop }
                    sent += m
                }
            }
            // Both sockets are still open here (only the last pump closes them).
            shutdown(from, Int32(SHUT_RDWR))
            shutdown(to, Int32(SHUT_RDWR))
            pair.pumpFinished()
        }
    }

    private static func listen(port: UInt16) throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError(message: "socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            close(fd)
            throw ProxyError(message: "cannot listen on 127.0.0.1:\(port) (errno \(errno))")
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, UInt16(bigEndian: out.sin_port))
    }

    private static func connectTo(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 { close(fd); return -1 }
        return fd
    }
}

public struct ProxyError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
