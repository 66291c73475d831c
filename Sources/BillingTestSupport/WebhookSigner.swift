import BillingCore

/// Signs test deliveries the way Stripe does, so tests can post what the verifier accepts.
public enum WebhookSigner {
    /// A `Stripe-Signature` value `t=<timestamp>,v1=<hex>` for `payload` signed with `secret`.
    /// - Parameters:
    ///   - secret: The endpoint secret (`whsec_…`), used verbatim as the HMAC key.
    ///   - payload: The exact body bytes that will be sent.
    ///   - timestamp: The signing time in Unix seconds.
    public static func header(secret: String, payload: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(signature(secret: secret, payload: payload, timestamp: timestamp))"
    }

    /// The lowercase-hex HMAC-SHA256 of `"<timestamp>.<payload>"` under `secret`: one `v1` value.
    public static func signature(secret: String, payload: [UInt8], timestamp: Int64) -> String {
        let message = Array("\(timestamp).".utf8) + payload
        return HMACSHA256.lowercaseHex(HMACSHA256.mac(key: Array(secret.utf8), message: message))
    }
}
