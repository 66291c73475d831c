import BillingServer
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// Slowing down admin-token guessing (issue 16).
@Suite struct AuthThrottleTests {
    /// A settable clock, Unix seconds.
    final class Clock: Sendable {
        private let value = Mutex<Int64>(1_750_000_000)
        var now: @Sendable () -> Int64 { { self.value.withLock { $0 } } }
        func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    }

    /// Ten failures within the window throttle an address until the window ends; other addresses
    /// are not affected.
    @Test func throttleCountsFailuresPerAddressAndWindow() {
        let clock = Clock()
        let throttle = AuthFailureThrottle(limit: 10, window: 60, now: clock.now)
        for _ in 0..<9 { throttle.recordFailure("203.0.113.7") }
        #expect(throttle.retryAfter("203.0.113.7") == nil)
        throttle.recordFailure("203.0.113.7")
        #expect(throttle.retryAfter("203.0.113.7") == 60)
        #expect(throttle.retryAfter("198.51.100.1") == nil)
        clock.advance(45)
        #expect(throttle.retryAfter("203.0.113.7") == 15)
        clock.advance(15)
        #expect(throttle.retryAfter("203.0.113.7") == nil)
    }

    /// IPv6 addresses are throttled by their /64 (one host usually holds a whole /64 and could rotate through
    /// it); an IPv4-mapped address counts as its IPv4 address.
    @Test func ipv6AddressesShareTheirSlash64() {
        let clock = Clock()
        let throttle = AuthFailureThrottle(limit: 10, window: 60, now: clock.now)
        for i in 0..<10 { throttle.recordFailure("2001:db8:1:2::\(String(i, radix: 16))") }
        #expect(throttle.retryAfter("2001:db8:1:2:ffff:1:2:3") == 60)
        #expect(throttle.retryAfter("2001:db8:1:3::1") == nil)
        #expect(AuthFailureThrottle.key("2001:0db8:0001:0002:0:0:0:9") == "2001:db8:1:2::/64")
        #expect(AuthFailureThrottle.key("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(AuthFailureThrottle.key("203.0.113.7") == "203.0.113.7")
        #expect(AuthFailureThrottle.key("fe80::1%eth0") == "fe80:0:0:0::/64")
    }

    /// `X-Forwarded-For` is believed only from a trusted proxy, and then only its rightmost entry
    /// that is not itself a proxy (what the client wrote further left proves nothing).
    @Test func clientAddressBelievesOnlyTrustedProxies() throws {
        let proxies = try TrustedProxies.parse("10.0.0.0/8, 192.168.1.5, fd00::/8").get()
        #expect(proxies.clientAddress(peer: "203.0.113.7", forwardedFor: ["1.2.3.4"]) == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["1.2.3.4, 198.51.100.9"]) == "198.51.100.9")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["1.2.3.4", "198.51.100.9, 192.168.1.5"]) == "198.51.100.9")
        #expect(proxies.clientAddress(peer: "fd12::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["not-an-address"]) == "10.1.2.3")
        #expect(proxies.clientAddress(peer: nil, forwardedFor: ["1.2.3.4"]) == "unknown")
        #expect(!proxies.contains("11.0.0.1") && proxies.contains("10.255.0.1"))
        guard case .failure(let invalid) = TrustedProxies.parse("10.0.0.0/33") else { Issue.record("accepted /33"); return }
        #expect(invalid.entry == "10.0.0.0/33")
    }

    /// After ten wrong tokens the admin API answers 429 `too_many_requests` with `Retry-After`,
    /// even to the right token, and counts the failures; once the window has passed it lets the
    /// right token in again.
    @Test func adminAPIThrottlesRepeatedFailures() async throws {
        let clock = Clock()
        let metrics = BillingMetrics()
        try await TestApp.withApp(configure: { $0.authFailureLimit = 10 }, now: clock.now, metrics: metrics) { client, _ in
            for i in 0..<10 {
                let answer = try await AdminTest.get(client, "/api/admin/clients", token: "wrong-token-\(i)")
                #expect(answer.status == 401)
            }
            for token in ["wrong-token-10", AdminTest.aliceToken] {
                try await client.execute(uri: "/api/admin/clients", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] == "60")
                    #expect(String(buffer: response.body).contains(#""code":"too_many_requests""#))
                }
            }
            #expect(HostileConnectionTests.counter(metrics, #"billing_auth_failures_total{surface="admin_api"}"#) == 10)
            #expect(HostileConnectionTests.counter(metrics, #"billing_auth_throttled_total{surface="admin_api"}"#) == 2)
            clock.advance(60)
            #expect(try await AdminTest.get(client, "/api/admin/clients").status == 200)
        }
    }

    /// Wrong console sign-ins count towards the same throttle: past the limit the sign-in form
    /// answers 429 with `Retry-After`, even for the right token.
    @Test func consoleSignInIsThrottled() async throws {
        let metrics = BillingMetrics()
        try await TestApp.withApp(configure: { $0.authFailureLimit = 10 }, metrics: metrics) { client, _ in
            let form = try await ConsoleTest.get(client, "/console/sign-in")
            let signInCookie = "bw_console_signin=\(try #require(form.cookie("bw_console_signin")))"
            let csrf = try #require(form.csrf)
            for _ in 0..<10 {
                let wrong = try await ConsoleTest.post(client, "/console/sign-in", [("_csrf", csrf), ("token", "guess")], cookie: signInCookie)
                #expect(wrong.status == 401)
            }
            let right = try await ConsoleTest.post(client, "/console/sign-in", [("_csrf", csrf), ("token", AdminTest.aliceToken)],
                                                   cookie: signInCookie)
            #expect(right.status == 429)
            #expect(right.headers[.retryAfter] != nil)
            #expect(right.cookie("bw_console") == nil)
            #expect(HostileConnectionTests.counter(metrics, #"billing_auth_failures_total{surface="console"}"#) == 10)
        }
    }
}
