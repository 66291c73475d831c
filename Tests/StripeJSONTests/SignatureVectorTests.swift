import BillingCore
import StripeJSON
import Testing

/// Every vector of `Tests/Fixtures/signature-vectors.json`, a copy of the research file (SPEC §4).
@Suite struct SignatureVectorTests {
    /// The file loads, and the number of vectors equals its `count` (39).
    @Test func loadsEveryVector() throws {
        let file = try SignatureVectorFixture.loaded.get()
        #expect(file.count == 39)
        #expect(file.vectors.count == file.count)
        #expect(SignatureVectorFixture.vectors.count == file.count)
        #expect(Set(file.vectors.map(\.name)).count == file.vectors.count, "vector names are unique")
        for vector in file.vectors {
            #expect(file.expectValues.contains(vector.expect), "\(vector.name): unknown expect \(vector.expect)")
        }
    }

    /// Verifying the header, then decoding the body, gives the vector's expected answer.
    @Test(arguments: SignatureVectorFixture.vectors)
    func verifyingThenDecodingGivesEachVectorsExpectedAnswer(_ vector: SignatureVector) throws {
        let payload = try vector.payloadBytes
        let verifier = WebhookSignatureVerifier(secrets: vector.secrets, tolerance: vector.tolerance)
        let answer: String
        do {
            try verifier.verify(header: vector.header, payload: payload, now: vector.now)
            _ = try EventEnvelope(decoding: payload)
            answer = "ok"
        } catch {
            answer = error.code.rawValue
        }
        #expect(answer == vector.expect, "\(vector.name): \(vector.note)")
    }

    /// The verifier alone (no body decoding) passes exactly the vectors that fail late or not at all.
    @Test(arguments: SignatureVectorFixture.vectors)
    func verifierAlonePassesTheVectorsThatFailOnlyInDecoding(_ vector: SignatureVector) throws {
        let payload = try vector.payloadBytes
        let verifier = WebhookSignatureVerifier(secrets: vector.secrets, tolerance: vector.tolerance)
        let expected = vector.expect == "invalid_payload" ? "ok" : vector.expect
        let answer: String
        do {
            try verifier.verify(header: vector.header, payload: payload[...], now: vector.now)
            answer = "ok"
        } catch {
            answer = error.code.rawValue
        }
        #expect(answer == expected, "\(vector.name): \(vector.note)")
    }
}
