@testable import BillingCore
import Foundation
import Testing

/// `WebhookSignatureVerifier` and `SignatureHeader` beyond the shared vectors (SPEC §4).
@Suite struct SignatureVerifierTests {
    static let secretA = "whsec_alphaAlphaAlphaAlphaAlpha01"
    static let secretB = "whsec_bravoBravoBravoBravoBravo02"
    static let secretC = "whsec_charlieCharlieCharlieChar03"
    static let body = Array(#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1780000000}"#.utf8)
    static let t0: Int64 = 1_780_000_000

    /// The lowercase-hex `v1` value for `payload` at `timestamp` under `secret`.
    static func v1(_ secret: String, _ timestamp: Int64, _ payload: [UInt8] = body) -> String {
        HMACSHA256.lowercaseHex(HMACSHA256.mac(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + payload))
    }

    /// The code `verify` throws, or `"ok"`.
    static func answer(
        _ verifier: WebhookSignatureVerifier,
        _ header: String?,
        payload: [UInt8] = body,
        now: Int64 = t0
    ) -> String {
        do {
            try verifier.verify(header: header, payload: payload, now: now)
            return "ok"
        } catch {
            return error.code.rawValue
        }
    }

    // MARK: - HMAC

    /// The HMAC matches `openssl dgst -sha256 -hmac whsec_test` (toolchain.md §2).
    @Test func hmacMatchesOpenSSLCommandLine() {
        let mac = HMACSHA256.mac(key: Array("whsec_test".utf8), message: Array(#"1700000000.{"id":"evt_1"}"#.utf8))
        #expect(HMACSHA256.lowercaseHex(mac) == "c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925")
    }

    /// An empty key and an empty message give the RFC-known HMAC-SHA256 value.
    @Test func hmacOfEmptyKeyAndMessage() {
        let mac = HMACSHA256.mac(key: [], message: [])
        #expect(HMACSHA256.lowercaseHex(mac) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    /// A prepared key gives the one-shot MAC for any split of the message into two parts, for an
    /// empty key, an empty message and a key longer than SHA-256's 64-byte block (which HMAC hashes).
    @Test(arguments: [
        ("whsec_test", #"1700000000.{"id":"evt_1"}"#),
        ("", ""),
        ("", "1700000000."),
        (String(repeating: "k", count: 100), String(repeating: "message ", count: 700)),
    ])
    func preparedKeyMatchesOneShotMAC(secret: String, message: String) {
        let key = HMACSHA256.Key(Array(secret.utf8)), bytes = Array(message.utf8)
        let expected = HMACSHA256.mac(key: Array(secret.utf8), message: bytes)
        for split in Set([0, bytes.count / 3, bytes.count]) {
            var mac = [UInt8](repeating: 0, count: HMACSHA256.byteCount)
            Array(bytes[..<split]).withUnsafeBytes { first in
                Array(bytes[split...]).withUnsafeBytes { second in
                    mac.withUnsafeMutableBufferPointer { key.mac(first, second, into: $0) }
                }
            }
            #expect(mac == expected, "split at \(split)")
        }
    }

    // MARK: - Rotation

    /// With several secrets, a delivery signed with any one of them passes.
    @Test func rotationAcceptsAnyConfiguredSecret() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA, Self.secretB, Self.secretC])
        for secret in [Self.secretA, Self.secretB, Self.secretC] {
            #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(secret, Self.t0))") == "ok")
        }
    }

    /// With several secrets, a delivery signed with none of them is a mismatch.
    @Test func rotationRefusesUnconfiguredSecret() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA, Self.secretB])
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretC, Self.t0))") == "signature_mismatch")
    }

    /// During Stripe's own roll the header carries several v1; any of them matching any secret passes.
    @Test func severalV1AgainstSeveralSecrets() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA, Self.secretB])
        let header = "t=\(Self.t0),v1=\(Self.v1(Self.secretC, Self.t0)),v1=\(Self.v1(Self.secretB, Self.t0))"
        #expect(Self.answer(verifier, header) == "ok")
    }

    /// With no secret configured nothing passes, and the answer is a mismatch.
    @Test func noSecretsNothingPasses() {
        let verifier = WebhookSignatureVerifier(secrets: [])
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))") == "signature_mismatch")
    }

    // MARK: - Timestamp

    /// Tolerance 0 turns the timestamp check off, however old `t` is (stripe-python `if tolerance and …`).
    @Test(arguments: [Int64(0), 1, -1_780_000_000, Int64.min])
    func toleranceZeroAcceptsAnyAge(timestamp: Int64) {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA], tolerance: 0)
        #expect(Self.answer(verifier, "t=\(timestamp),v1=\(Self.v1(Self.secretA, timestamp))", now: Self.t0) == "ok")
    }

    /// A future `t` always passes, even a year ahead with a one-second tolerance.
    @Test func futureTimestampPasses() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA], tolerance: 1)
        let future = Self.t0 + 365 * 86_400
        #expect(Self.answer(verifier, "t=\(future),v1=\(Self.v1(Self.secretA, future))", now: Self.t0) == "ok")
        #expect(Self.answer(verifier, "t=\(Int64.max),v1=\(Self.v1(Self.secretA, .max))", now: Self.t0) == "ok")
    }

    /// `now - t == tolerance` passes; one second more is outside the tolerance.
    @Test func toleranceBoundary() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA], tolerance: 10)
        let header = "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))"
        #expect(Self.answer(verifier, header, now: Self.t0 + 10) == "ok")
        #expect(Self.answer(verifier, header, now: Self.t0 + 11) == "timestamp_outside_tolerance")
    }

    /// The default tolerance is 300 seconds.
    @Test func defaultToleranceIsFiveMinutes() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        #expect(verifier.tolerance == 300)
        let header = "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))"
        #expect(Self.answer(verifier, header, now: Self.t0 + 300) == "ok")
        #expect(Self.answer(verifier, header, now: Self.t0 + 301) == "timestamp_outside_tolerance")
    }

    /// The signature is checked before the timestamp: stale and wrong is a mismatch, stale and right is stale.
    @Test func signatureBeforeTimestamp() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        let now = Self.t0 + 3_600
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretB, Self.t0))", now: now) == "signature_mismatch")
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))", now: now) == "timestamp_outside_tolerance")
    }

    /// A `now` near `Int64.min` does not overflow the tolerance arithmetic.
    @Test func extremeNowDoesNotOverflow() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))", now: .min) == "ok")
    }

    // MARK: - Schemes and hex

    /// A `v0` alone never passes, even holding the correct HMAC: no v1 is a malformed header.
    @Test func v0AloneNeverPasses() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        let correct = Self.v1(Self.secretA, Self.t0)
        #expect(Self.answer(verifier, "t=\(Self.t0),v0=\(correct)") == "malformed_signature")
        #expect(Self.answer(verifier, "t=\(Self.t0),v0=\(correct),v1=\(Self.v1(Self.secretB, Self.t0))") == "signature_mismatch")
    }

    /// Uppercase or mixed-case hex of the correct HMAC is refused: v1 is compared as a lowercase string.
    @Test func uppercaseHexRefused() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        let correct = Self.v1(Self.secretA, Self.t0)
        let mixed = String(correct.enumerated().map { $0.offset.isMultiple(of: 2) ? Character($0.element.uppercased()) : $0.element })
        #expect(correct != correct.uppercased())
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(correct.uppercased())") == "signature_mismatch")
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(mixed)") == "signature_mismatch")
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(correct)") == "ok")
    }

    /// Ways a v1 value can be almost the correct HMAC.
    enum NearMiss: String, CaseIterable, Sendable {
        case truncated, overLong, trailingSpace, leadingSpace, empty, nonHex

        func apply(to hex: String) -> String {
            switch self {
            case .truncated: String(hex.dropLast())
            case .overLong: hex + "0"
            case .trailingSpace: hex + " "
            case .leadingSpace: " " + hex
            case .empty: ""
            case .nonHex: String(hex.dropLast(2)) + "zz"
            }
        }
    }

    /// Truncated, over-long, padded, empty or non-hex v1 values never match.
    @Test(arguments: NearMiss.allCases)
    func nearMissesNeverMatch(_ nearMiss: NearMiss) {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        let value = nearMiss.apply(to: Self.v1(Self.secretA, Self.t0))
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(value)") == "signature_mismatch")
    }

    /// The value ends at a second `=`: `v1=<hex>=x` verifies as `<hex>` (stripe-python `split("=", 2)`).
    @Test func valueEndsAtSecondEquals() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))=junk=more") == "ok")
    }

    /// The signed payload uses the canonical decimal of `t`, not the header text.
    @Test(arguments: ["+1780000000", "01780000000", "+0001780000000"])
    func canonicalTimestampIsSigned(text: String) {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        #expect(Self.answer(verifier, "t=\(text),v1=\(Self.v1(Self.secretA, Self.t0))") == "ok")
    }

    /// The body is signed byte for byte: one changed byte is a mismatch.
    @Test func bodyBytesAreExact() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        var tampered = Self.body
        tampered[tampered.count - 2] ^= 0x01
        #expect(Self.answer(verifier, "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))", payload: tampered) == "signature_mismatch")
    }

    /// Any byte collection verifies the same: array, slice, `Data`, a non-contiguous lazy view.
    @Test func payloadCollectionKinds() throws {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA])
        let header = "t=\(Self.t0),v1=\(Self.v1(Self.secretA, Self.t0))"
        try verifier.verify(header: header, payload: Self.body, now: Self.t0)
        try verifier.verify(header: header, payload: Self.body[...], now: Self.t0)
        try verifier.verify(header: header, payload: Data(Self.body), now: Self.t0)
        try verifier.verify(header: header, payload: Self.body.lazy.map { $0 }, now: Self.t0)
        let parsed = try verifier.verify(header: header, payload: Self.body, now: Self.t0)
        #expect(parsed.timestamp == Self.t0)
    }

    // MARK: - Header parsing

    /// One header value and how it parses.
    struct HeaderCase: Sendable, CustomTestStringConvertible {
        let header: String?
        /// The timestamp and v1 values, or the error code.
        let expected: Expected
        enum Expected: Sendable {
            case parsed(SignatureHeader)
            case fails(BillingCoreError.Code)
        }
        var testDescription: String { header.map { "\"\($0)\"" } ?? "nil" }

        static func ok(_ header: String, _ timestamp: Int64, _ v1: [Substring]) -> HeaderCase {
            HeaderCase(header: header, expected: .parsed(SignatureHeader(timestamp: timestamp, v1Signatures: v1)))
        }
        static func fails(_ header: String?, _ code: BillingCoreError.Code) -> HeaderCase {
            HeaderCase(header: header, expected: .fails(code))
        }
    }

    static let headerCases: [HeaderCase] = [
        .fails(nil, .missingSignature),
        .fails("", .missingSignature),
        .fails("   ", .missingSignature),
        .fails(" \t \t", .missingSignature),
        .ok("t=1,v1=a", 1, ["a"]),
        .ok("v1=a,t=5", 5, ["a"]),
        .ok("t=+7,v1=a", 7, ["a"]),
        .ok("t=007,v1=a", 7, ["a"]),
        .ok("t=-0,v1=a", 0, ["a"]),
        .ok("t=-42,v1=a", -42, ["a"]),
        .ok("t=-9223372036854775808,v1=a", .min, ["a"]),
        .ok("t=9223372036854775807,v1=a", .max, ["a"]),
        .ok("t=1,t=2,v1=a", 1, ["a"]),
        .ok("t=1,t=abc,v1=a", 1, ["a"]),
        .ok("t=1,v1=a,v1=b,v0=c,v2=d,v10=e,junk,=,x=y", 1, ["a", "b"]),
        .ok("t=1,v1=", 1, [""]),
        .ok("t=1,v1=a=b=c", 1, ["a"]),
        .ok("t=1=2,v1=a", 1, ["a"]),
        .ok(",,t=1,,v1=a,,", 1, ["a"]),
        .ok("t=1,v1= a ", 1, [" a "]),
        .ok("t=1,v1=ø", 1, ["ø"]),
        .fails("t=abc,t=1,v1=a", .malformedSignature),
        .fails("t=,v1=a", .malformedSignature),
        .fails("t=+,v1=a", .malformedSignature),
        .fails("t=1 ,v1=a", .malformedSignature),
        .fails("t= 1,v1=a", .malformedSignature),
        .fails("t=1_000,v1=a", .malformedSignature),
        .fails("t=0x10,v1=a", .malformedSignature),
        .fails("t=١٢,v1=a", .malformedSignature),
        .fails("t=9223372036854775808,v1=a", .malformedSignature),
        .fails("t=-9223372036854775809,v1=a", .malformedSignature),
        .fails("v1=a", .malformedSignature),
        .fails("T=1,v1=a", .malformedSignature),
        .fails(" t=1,v1=a", .malformedSignature),
        .fails("t=1", .malformedSignature),
        .fails("t=1,v0=a", .malformedSignature),
        .fails("t=1,V1=a", .malformedSignature),
        .fails("t=1, v1=a", .malformedSignature),
        .fails("t=1,v1", .malformedSignature),
        .fails("t=1,v1=a,v1", .malformedSignature),
        .fails("t=1,v1=a,t", .malformedSignature),
        .fails("t,t=1,v1=a", .malformedSignature),
        .fails(",", .malformedSignature),
        .fails("garbage", .malformedSignature),
    ]

    /// Header parsing follows stripe-python's split rules (signature-vectors.md rules 1–4).
    @Test(arguments: headerCases)
    func parsesHeader(_ testCase: HeaderCase) {
        let result = Result { () throws(BillingCoreError) in try SignatureHeader(parsing: testCase.header) }
        switch (result, testCase.expected) {
        case (.success(let parsed), .parsed(let expected)):
            #expect(parsed == expected)
        case (.failure(let error), .fails(let code)):
            #expect(error.code == code)
        case (.success(let parsed), .fails(let code)):
            Issue.record("parsed as \(parsed), expected \(code)")
        case (.failure(let error), .parsed(let expected)):
            Issue.record("failed with \(error), expected \(expected)")
        }
    }

    // MARK: - No leaks

    /// Neither the verifier's description, nor `dump`, nor any error message shows a secret or the header.
    @Test func nothingSecretLeaks() {
        let verifier = WebhookSignatureVerifier(secrets: [Self.secretA, Self.secretB], tolerance: 300)
        #expect(String(describing: verifier) == "WebhookSignatureVerifier(secrets: 2, tolerance: 300)")
        #expect(verifier.secretCount == 2)
        var dumped = ""
        dump(verifier, to: &dumped)
        #expect(!dumped.contains("whsec"))
        #expect(!String(reflecting: verifier).contains("whsec"))

        let marker = "deadbeefMARKER"
        let good = Self.v1(Self.secretA, Self.t0)
        let headers: [String?] = [
            nil, "  ", "t=\(marker)", "t=\(marker),v1=\(good)", "t=1,v2=\(marker)", "t=1,v1",
            "t=\(Self.t0),v1=\(marker)", "t=\(Self.t0),v1=\(good)",
        ]
        for header in headers {
            do {
                try verifier.verify(header: header, payload: Self.body + Array(marker.utf8), now: Self.t0 + 1_000)
                Issue.record("expected a failure for \(header ?? "nil")")
            } catch {
                let text = "\(error) \(error.message)"
                #expect(!text.contains(marker) && !text.contains("whsec") && !text.contains(good), "\(text)")
            }
        }
    }
}
