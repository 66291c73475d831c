// libFuzzer target: the Stripe-Signature parser and the webhook verifier (SPEC §4).
//
// Input layout: the header value, then a newline (0x0A), then the body bytes. Without a newline the
// whole input is the header and the body is empty. Built together with Sources/BillingCore by
// deploy/fuzz/run (one module, so this file needs no import of BillingCore).
//
// Oracles, besides "no crash, no sanitizer report":
// - verify() never succeeds for an input the fuzzer wrote (it cannot forge HMAC-SHA256), except
//   when the header already holds the correct v1 for one of the configured secrets;
// - whenever the header parses, a header re-signed with the parsed t and the correct v1 verifies
//   (tolerance 0), and its timestamp is the parsed one;
// - the error order is missing → malformed → signature → timestamp: a parse error from
//   SignatureHeader(parsing:) is exactly the error verify() reports.

private let secrets = ["whsec_fuzz_primary", "whsec_fuzz_rotated"]
private let strict = WebhookSignatureVerifier(secrets: secrets, tolerance: 300)
private let lenient = WebhookSignatureVerifier(secrets: secrets, tolerance: 0)
private let now: Int64 = 1_750_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignature(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let split = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    let header = String(decoding: bytes[..<split], as: UTF8.self)
    let body = split < bytes.endIndex ? Array(bytes[(split + 1)...]) : []

    let parsed: SignatureHeader
    do {
        parsed = try SignatureHeader(parsing: header)
    } catch {
        do {
            try strict.verify(header: header, payload: body, now: now)
            fatalError("verify() accepted a header that does not parse")
        } catch let verifyError {
            precondition(verifyError.code == error.code, "verify() and the parser disagree on the first error")
        }
        return 0
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
            precondition(carriesValidMAC, "verify() accepted a forged signature")
            precondition(verified == parsed, "verify() returned another header than the parser")
        } catch {
            precondition(error.code != .missingSignature && error.code != .malformedSignature,
                         "verify() rejected as malformed a header that parses")
            if error.code == .signatureMismatch {
                precondition(!carriesValidMAC, "verify() rejected a correct signature")
            }
        }
    }

    // Re-signed with the parsed timestamp: must verify with the timestamp check off.
    for secretMAC in expected {
        let resigned = "t=\(parsed.timestamp),v1=\(secretMAC)"
        do {
            let verified = try lenient.verify(header: resigned, payload: body, now: now)
            precondition(verified.timestamp == parsed.timestamp, "re-signed header lost its timestamp")
        } catch {
            fatalError("a correctly signed header failed: \(error.code)")
        }
    }
    return 0
}
