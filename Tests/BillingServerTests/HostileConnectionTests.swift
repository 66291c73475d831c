#if canImport(Glibc)
import Glibc
#endif
import BillingPostgres
import BillingServer
import BillingTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The public port under hostile connections, on a real socket (issue 16): stalled requests are
/// closed by their deadline, and a webhook refused from its head is answered without its body.
@Suite struct HostileConnectionTests {
    /// Runs a live server (real port) with short deadlines on a fresh database.
    static func withLiveServer(
        timeouts: ConnectionTimeouts = ConnectionTimeouts(header: .seconds(1), body: .seconds(2), idle: .seconds(1)),
        _ body: @escaping @Sendable (Int, BillingMetrics) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { url in
            var settings = TestApp.settings(url: url)
            settings.httpLimits.timeouts = timeouts
            let pool = PGPool(url: url, size: 2)
            let metrics = BillingMetrics()
            let parts = BillingApplicationParts(settings: settings, pool: pool, handler: CountingHandler(), metrics: metrics,
                                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            do {
                try await buildApplication(parts, runProcessor: false).test(.live) { client in
                    try await body(try #require(client.port), metrics)
                }
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    /// Reads until the peer closes or `seconds` pass; returns what arrived and whether it closed.
    /// The blocking reads run on a thread of their own: on the cooperative pool they would starve
    /// the server under test, which runs in this process.
    static func readUntilClosed(_ fd: Int32, seconds: Double) async -> (text: String, closed: Bool) {
        await onThread { blockingRead(fd, seconds: seconds) }
    }

    /// Runs `body` on a thread of its own and returns what it returns.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    private static func blockingRead(_ fd: Int32, seconds: Double) -> (text: String, closed: Bool) {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out += buffer[0..<n]; continue }
            // A signal interrupts a recv on a socket with SO_RCVTIMEO with EINTR even under
            // SA_RESTART (signal(7)): that is not a closed peer.
            if n < 0, errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
            return (String(decoding: out, as: UTF8.self), true)
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    /// The value of one series of the metrics' exposition (0 when absent).
    static func counter(_ metrics: BillingMetrics, _ series: String) -> Int {
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    static func open(_ port: Int) throws -> Int32 {
        try #require(ServeProcessTests.connect(port: port))
    }

    /// A connection that sends nothing, one that sends half a request head and one that stalls in
    /// its body are all closed by their deadlines, and each closure is counted.
    @Test func stalledRequestsAreClosed() async throws {
        try await Self.withLiveServer { port, metrics in
            let idle = try Self.open(port)
            defer { close(idle) }
            let halfHead = try Self.open(port)
            defer { close(halfHead) }
            ServeProcessTests.send(halfHead, Array("POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le".utf8))
            let slowBody = try Self.open(port)
            defer { close(slowBody) }
            let signature = "t=\(Int(Date().timeIntervalSince1970)),v1=\(String(repeating: "0", count: 64))"
            ServeProcessTests.send(slowBody, Array(("POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nStripe-Signature: \(signature)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":").utf8))

            let started = ContinuousClock.now
            for fd in [idle, halfHead] {
                let answer = await Self.readUntilClosed(fd, seconds: 10)
                #expect(answer.closed, "a stalled connection stayed open")
            }
            // Keep the slow body trickling: each byte resets no deadline.
            var closed = false
            for _ in 0..<40 where !closed {
                ServeProcessTests.send(slowBody, Array("x".utf8))
                closed = await Self.readUntilClosed(slowBody, seconds: 0.25).closed
            }
            #expect(closed, "a body sent a byte at a time was never closed")
            #expect(ContinuousClock.now - started < .seconds(30))
            // (The test client's own idle connection may be closed by the header deadline too.)
            #expect(Self.counter(metrics, #"billing_http_connections_closed_total{reason="header_timeout"}"#) >= 2)
            #expect(Self.counter(metrics, #"billing_http_connections_closed_total{reason="body_timeout"}"#) == 1)
        }
    }

    /// A kept-alive connection is closed by its idle deadline after an answer, not before it: the
    /// timer armed for the request's earlier header deadline fires, finds the later idle deadline
    /// and waits for it. A connection that keeps sending requests stays open past every deadline.
    @Test func keptAliveConnectionsCloseAtTheirIdleDeadline() async throws {
        let timeouts = ConnectionTimeouts(header: .milliseconds(500), body: .seconds(1), idle: .seconds(3))
        try await Self.withLiveServer(timeouts: timeouts) { port, metrics in
            let busy = try Self.open(port)
            defer { close(busy) }
            // The client runs on a thread of its own. As tasks, its 0.3 s pauses shared the cooperative
            // pool with the rest of the parallel suite and once stretched past the 3 s idle deadline,
            // which then rightly closed the connection between two requests.
            let run = await Self.onThread { Self.keepBusyThenWait(busy, metrics: metrics) }
            for answer in run.answers {
                #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
                #expect(!answer.closed, "a connection in use was closed; longest pause between requests \(run.longestPause)")
            }
            #expect(run.closed, "an idle kept-alive connection stayed open")
            let closures = ["idle_timeout", "header_timeout", "body_timeout"].map {
                "\($0)=\(Self.counter(metrics, "billing_http_connections_closed_total{reason=\"\($0)\"}"))"
            }
            #expect(run.waited > .seconds(1.5), "closed after \(run.waited), before its idle deadline of 3 s; closures: \(closures)")
            #expect(Self.counter(metrics, #"billing_http_connections_closed_total{reason="idle_timeout"}"#) > run.idleClosuresBefore)
            #expect(Self.counter(metrics, #"billing_http_connections_closed_total{reason="body_timeout"}"#) == 0)
        }
    }

    /// What `keepBusyThenWait` saw.
    struct KeptAliveRun: Sendable {
        var answers: [(text: String, closed: Bool)] = []
        var longestPause = Duration.zero
        var idleClosuresBefore = 0
        var closed = false
        var waited = Duration.zero
    }

    /// A request every 0.3 s until 3.9 s have passed since the first (past the header deadline and the
    /// idle one of the first answer); then waits (up to 15 s) for the server to close the idle
    /// connection. Blocking.
    static func keepBusyThenWait(_ fd: Int32, metrics: BillingMetrics) -> KeptAliveRun {
        let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var run = KeptAliveRun()
        let inUse = ContinuousClock.now
        var answered = ContinuousClock.now
        repeat {
            if !run.answers.isEmpty { usleep(300_000) }
            run.longestPause = max(run.longestPause, ContinuousClock.now - answered)
            ServeProcessTests.send(fd, request)
            run.answers.append(blockingAnswer(fd, seconds: 10))
            answered = ContinuousClock.now
            if run.answers.last!.closed { return run }
        } while ContinuousClock.now - inUse < .seconds(3.9)
        run.idleClosuresBefore = counter(metrics, #"billing_http_connections_closed_total{reason="idle_timeout"}"#)
        run.closed = blockingRead(fd, seconds: 15).closed
        run.waited = ContinuousClock.now - answered
        return run
    }

    /// Reads one `/healthz` answer (it ends with the JSON body's `}`), or until the peer closes or
    /// `seconds` pass. Blocking.
    static func blockingAnswer(_ fd: Int32, seconds: Double) -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var text = ""
        while ContinuousClock.now < deadline {
            let part = blockingRead(fd, seconds: 0.05)
            text += part.text
            if part.closed { return (text, true) }
            if text.contains("\r\n\r\n"), text.hasSuffix("}") { return (text, false) }
        }
        return (text, false)
    }

    /// A webhook without `Stripe-Signature`, with a malformed one, or announcing a body above the
    /// limit is answered 400/413 with the SPEC's error body while its body is still unsent, and
    /// the connection is closed.
    @Test(arguments: [
        (nil, 1_000_000, 400, "missing_signature"),
        ("t=abc", 1_000_000, 400, "malformed_signature"),
        ("t=1,v0=ab", 500, 400, "malformed_signature"),
        ("t=1,v1=ab", 2_000_000, 413, "payload_too_large"),
    ] as [(String?, Int, Int, String)])
    func refusedFromTheHeadWithoutTheBody(signature: String?, length: Int, status: Int, code: String) async throws {
        // Deadlines far beyond the read below: only the early refusal can answer and close in time.
        try await Self.withLiveServer(timeouts: ConnectionTimeouts(header: .seconds(60), body: .seconds(60), idle: .seconds(60))) { port, _ in
            let fd = try Self.open(port)
            defer { close(fd) }
            var head = "POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n"
            if let signature { head += "Stripe-Signature: \(signature)\r\n" }
            ServeProcessTests.send(fd, Array((head + "\r\n{\"id\":\"evt_").utf8))
            let answer = await Self.readUntilClosed(fd, seconds: 20)
            #expect(answer.text.hasPrefix("HTTP/1.1 \(status)"), "\(answer.text)")
            #expect(answer.text.lowercased().contains("connection: close"))
            let json = answer.text.components(separatedBy: "\r\n\r\n").last ?? ""
            let error = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: [String: String]]
            #expect(error?["error"]?["code"] == code)
            #expect(error?["error"]?["message"]?.isEmpty == false)
            #expect(answer.closed, "the connection stayed open after an early refusal")
        }
    }
}
