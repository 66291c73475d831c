import Foundation

/// Unpadded base64url (RFC 4648 §5), the one codec of the service: console cookies and tokens
/// (RFC 6265 cookie-safe characters only) and the admin API's page cursors.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return Data(base64Encoded: b64).map { Array($0) }
    }

    /// 32 random bytes, base64url: a 256-bit token.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
