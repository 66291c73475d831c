import BillingCore
import Foundation
import StripeJSON
import Testing

/// Inputs kept from fuzzing (`deploy/fuzz/run`): every file under `Tests/Fixtures/fuzz/<target>/`
/// is run through the same checks as the libFuzzer target of that name in `deploy/fuzz/targets/`.
/// Files named `crash-…` reproduced a crash before its fix; files named `edge-…` are hand-made
/// hostile inputs (deep nesting, NUL bytes, integer overflow, invalid UTF-8) kept beside them.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test(arguments: FuzzInputs.files("signature"))
    func keptSignatureInputPassesItsOracle(file: String) throws {
        try FuzzOracles.signature(FuzzInputs.bytes("signature", file))
    }

    @Test(arguments: FuzzInputs.files("envelope"))
    func keptEnvelopeInputPassesItsOracle(file: String) throws {
        try FuzzOracles.envelope(FuzzInputs.bytes("envelope", file))
    }

    @Test(arguments: FuzzInputs.files("event"))
    func keptEventInputPassesItsOracle(file: String) throws {
        try FuzzOracles.event(FuzzInputs.bytes("event", file))
    }

    @Test func everyTargetHasKeptInputs() {
        for target in ["signature", "envelope", "event"] {
            #expect(!FuzzInputs.files(target).isEmpty, "no inputs for \(target)")
        }
    }
}

private enum FuzzInputs {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    static func files(_ target: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(target).path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    static func bytes(_ target: String, _ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(target).appendingPathComponent(file)))
    }
}

/// The checks of the libFuzzer targets, as test expectations.
private enum FuzzOracles {
    static let secrets = ["whsec_fuzz_primary", "whsec_fuzz_rotated"]
    static let now: Int64 = 1_750_000_000

    /// deploy/fuzz/targets/signature.swift: header, newline, body.
    static func signature(_ bytes: [UInt8]) throws {
        let strict = WebhookSignatureVerifier(secrets: secrets, tolerance: 300)
        let lenient = WebhookSignatureVerifier(secrets: secrets, tolerance: 0)
        let split = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let header = String(decoding: bytes[..<split], as: UTF8.self)
        let body = split < bytes.endIndex ? Array(bytes[(split + 1)...]) : []

        let parsed: SignatureHeader
        do {
            parsed = try SignatureHeader(parsing: header)
        } catch {
            let verifyError = #expect(throws: BillingCoreError.self) {
                try strict.verify(header: header, payload: body, now: now)
            }
            #expect(verifyError?.code == error.code)
            return
        }
        let expected = secrets.map { secret -> String in
            var message = Array(String(parsed.timestamp).utf8)
            message.append(UInt8(ascii: "."))
            message.append(contentsOf: body)
            return HMACSHA256.lowercaseHex(HMACSHA256.mac(key: Array(secret.utf8), message: message))
        }
        let carriesValidMAC = parsed.v1Signatures.contains { expected.contains(String($0)) }
        for verifier in [strict, lenient] {
            do {
                let verified = try verifier.verify(header: header, payload: body, now: now)
                #expect(carriesValidMAC)
                #expect(verified == parsed)
            } catch {
                #expect(error.code != .missingSignature && error.code != .malformedSignature)
                if error.code == .signatureMismatch { #expect(!carriesValidMAC) }
            }
        }
        for mac in expected {
            let verified = try lenient.verify(header: "t=\(parsed.timestamp),v1=\(mac)", payload: body, now: now)
            #expect(verified.timestamp == parsed.timestamp)
        }
    }

    /// deploy/fuzz/targets/envelope.swift.
    static func envelope(_ bytes: [UInt8]) throws {
        let first = Result { () throws(BillingCoreError) in try EventEnvelope(decoding: bytes) }
        let lazy = Result { () throws(BillingCoreError) in try EventEnvelope(decoding: bytes.lazy.map { $0 }) }
        switch (first, lazy) {
        case (.success(let a), .success(let b)):
            #expect(!a.id.isEmpty && !a.type.isEmpty)
            #expect(a == b)
        case (.failure(let a), .failure(let b)):
            #expect(a.code == .invalidPayload)
            #expect(a.code == b.code)
        default:
            Issue.record("contiguous and lazy decodes disagree: \(first) vs \(lazy)")
        }
    }

    /// deploy/fuzz/targets/event.swift.
    static func event(_ bytes: [UInt8]) throws {
        do {
            let event = try BillingEvent.decode(payload: bytes)
            if let envelope = try? EventEnvelope(decoding: bytes) {
                #expect(envelope.id == event.id && envelope.type == event.type && envelope.created == event.created)
                if let livemode = envelope.livemode { #expect(livemode == event.livemode) }
            }
        } catch {
            #expect(error.code == .undecodableEvent)
        }
        do {
            _ = try SubscriptionSnapshot.decode(subscriptionPayload: bytes)
        } catch {
            #expect(error.code == .undecodableEvent)
        }
    }
}
