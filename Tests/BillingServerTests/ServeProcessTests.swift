#if canImport(Glibc)
import Glibc
#endif
import BillingPostgres
import BillingTestSupport
import Foundation
import Synchronization
import Testing

/// The real `billing-worker serve` process: configuration errors and graceful shutdown.
@Suite struct ServeProcessTests {
    /// The built `billing-worker` next to this test binary (same build folder).
    static var binary: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("billing-worker")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return exe.deletingLastPathComponent().appendingPathComponent("billing-worker")
    }

    /// Runs the binary with `arguments` and `environment`; returns the process and its stderr pipe.
    static func launch(_ arguments: [String], environment: [String: String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, err)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if ok != 0 { close(fd); return nil }
        return fd
    }

    /// A connection to a `serve` that is starting: tries every 50 ms for up to 10 s; nil if it never listens.
    static func connectOnceListening(port: Int) async throws -> Int32? {
        for _ in 0..<200 {
            if let fd = connect(port: port) { return fd }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    static func readAll(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out += buffer[0..<n]
            if String(decoding: out, as: UTF8.self).contains("\"received\"") { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A missing required setting is one line naming it and exit code 2, no stack trace.
    @Test func missingSettingIsOneLineAndExit2() throws {
        let (process, err) = try Self.launch(["serve"], environment: ["PATH": "/usr/bin:/bin"])
        process.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(text.contains("DATABASE_URL"))
        #expect(text.split(separator: "\n").count == 1)
    }

    /// A numeric setting out of its range, or not a number, is one line naming the variable and the
    /// value, and exit code 2: `BILLING_EVENT_LOOP_THREADS` (1...256, read before anything else) and
    /// `BILLING_PROCESSOR_LOOPS` (1...16).
    @Test(arguments: [
        ("BILLING_EVENT_LOOP_THREADS", "0"), ("BILLING_EVENT_LOOP_THREADS", "257"), ("BILLING_EVENT_LOOP_THREADS", "two"),
        ("BILLING_PROCESSOR_LOOPS", "0"), ("BILLING_PROCESSOR_LOOPS", "17"), ("BILLING_PROCESSOR_LOOPS", "two"),
    ])
    func invalidNumericSettingIsOneLineAndExit2(variable: String, value: String) throws {
        let (process, err) = try Self.launch(["serve"], environment: [
            "PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://billing@127.0.0.1:1/none",
            "STRIPE_WEBHOOK_SECRETS": "whsec_test", variable: value,
        ])
        process.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(text.contains(variable) && text.contains(value))
        #expect(text.split(separator: "\n").count == 1)
    }

    /// `serve` runs as many event loop threads as `BILLING_EVENT_LOOP_THREADS` says, and half the
    /// cores (at least one) without it.
    @Test func serveRunsTheConfiguredEventLoopThreads() async throws {
        try await TestDatabase.withFresh { url in
            let cores = ProcessInfo.processInfo.activeProcessorCount
            for (setting, expected) in [("3", 3), (nil, max(1, cores / 2))] {
                let port = try Self.freePort()
                var environment = [
                    "PATH": "/usr/bin:/bin", "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRETS": "whsec_threads_test",
                    "PORT": String(port), "BILLING_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path,
                ]
                environment["BILLING_EVENT_LOOP_THREADS"] = setting
                let (process, _) = try Self.launch(["serve"], environment: environment)
                defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
                close(try #require(await Self.connectOnceListening(port: port)))
                let tasks = "/proc/\(process.processIdentifier)/task"
                let names = try FileManager.default.contentsOfDirectory(atPath: tasks).map {
                    (try? String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8)) ?? ""
                }
                // Distinct names: a thread that an event loop has just started carries the loop's
                // name (Linux copies it) until it names itself, so a busy machine may show a copy.
                let loops = Set(names.filter { $0.hasPrefix("NIO-SGLTN-") })
                #expect(loops.count == expected, "BILLING_EVENT_LOOP_THREADS=\(setting ?? "unset"): \(names.sorted())")
            }
        }
    }

    /// SIGTERM while a delivery is in flight: the delivery still gets its 200 and is stored,
    /// the processor stops after its batch, and the process exits 0.
    @Test func sigtermDrainsInFlightRequest() async throws {
        try await TestDatabase.withFresh { url in
            let port = try Self.freePort()
            let secret = "whsec_sigterm_test"
            let (process, err) = try Self.launch(["serve"], environment: [
                "PATH": "/usr/bin:/bin", "DATABASE_URL": url, "STRIPE_WEBHOOK_SECRETS": secret, "PORT": String(port),
                "BILLING_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path, "LOG_FORMAT": "json",
            ])
            defer { if process.isRunning { process.terminate() } }
            let socket = try #require(await Self.connectOnceListening(port: port))
            defer { close(socket) }
            let body = Array(#"{"id":"evt_sigterm","object":"event","type":"invoice.created","created":1750000000,"livemode":false,"data":{"object":{"id":"in_1","object":"invoice"}}}"#.utf8)
            let signature = WebhookSigner.header(secret: secret, payload: body, timestamp: Int64(Date().timeIntervalSince1970))
            let head = "POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nStripe-Signature: \(signature)\r\nContent-Length: \(body.count)\r\n\r\n"
            Self.send(socket, Array(head.utf8) + body.prefix(40))
            try await Task.sleep(for: .milliseconds(300))
            kill(process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            Self.send(socket, Array(body.dropFirst(40)))
            let response = Self.readAll(socket)
            #expect(response.hasPrefix("HTTP/1.1 200"))
            #expect(response.contains(#""duplicate":false"#))
            let exited = try await TestApp.eventually(seconds: 15) { !process.isRunning }
            #expect(exited)
            #expect(process.terminationStatus == 0)
            let logs = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(logs.contains("processor stopped cleanly"))
            let pool = BillingPostgres.PGPool(url: url, size: 1)
            #expect(try await TestApp.count(pool, "SELECT count(*) FROM billing_events WHERE stripe_event_id = 'evt_sigterm'") == 1)
            await pool.shutdown()
        }
    }
}
