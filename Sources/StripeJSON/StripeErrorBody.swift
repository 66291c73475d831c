/// Stripe's error answer, `{"error":{"message":…,"type":…}}`.
public enum StripeErrorBody {
    /// `error.message`, when `body` is JSON text whose `error` is an object with a string `message`.
    public static func message(in body: [UInt8]) -> String? {
        body.withUnsafeBufferPointer { bytes in
            var scanner = JSONScanner(bytes)
            var message: String?
            do {
                _ = try scanner.readObject(ErrorKey.self) { scanner, _ throws(JSONScanner.Malformed) in
                    _ = try scanner.readObject(MessageKey.self) { scanner, _ throws(JSONScanner.Malformed) in
                        message = try scanner.string()
                    }
                }
                try scanner.finish()
            } catch {
                return nil
            }
            return message
        }
    }
}

private enum ErrorKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case error
    var name: StaticString { "error" }
}

private enum MessageKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case message
    var name: StaticString { "message" }
}
