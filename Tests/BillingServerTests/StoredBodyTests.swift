import BillingCore
import BillingTestSupport
import Foundation
import Testing

/// Issue 19: the body is stored as the bytes Stripe signed, so a stored event can be verified again.
@Suite struct StoredBodyTests {
    /// A body with its own spacing and key order is stored byte for byte; its signature verifies against the
    /// stored text, and the admin API still shows it parsed.
    @Test func storedBodyVerifiesAgainstItsSignature() async throws {
        try await TestApp.withApp { client, pool in
            let text = #"{ "type" : "invoice.created", "id":"evt_bytes_1",  "object":"event","created":1750000000,"api_version":"2025-03-31.basil","livemode":false,"data":{"object":{"id":"in_b","object":"invoice","customer":"cus_b","note":"caf\u00e9 ☕"}}}"#
            let body = Array(text.utf8)
            let timestamp = Int64(Date().timeIntervalSince1970)
            let header = WebhookSigner.header(secret: TestApp.secret, payload: body, timestamp: timestamp)
            let (status, _) = try await TestApp.deliver(client, body, headers: TestApp.signedHeaders(body, timestamp: timestamp))
            #expect(status == 200)
            let stored = try #require(try await TestApp.rows(pool, "SELECT body FROM billing_events WHERE stripe_event_id = 'evt_bytes_1'").first?.string("body"))
            #expect(Array(stored.utf8) == body)
            let verifier = WebhookSignatureVerifier(secrets: [TestApp.secret], tolerance: 300)
            #expect(throws: Never.self) { try verifier.verify(header: header, payload: Array(stored.utf8), now: timestamp) }
            let shown = try await AdminTest.get(client, "/api/admin/events/evt_bytes_1")
            let payload = shown.json["payload"] as? [String: Any]
            #expect(payload?["id"] as? String == "evt_bytes_1" && payload?["type"] as? String == "invoice.created")
            #expect(shown.json["body"] == nil)
        }
    }
}
