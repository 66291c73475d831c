import COpenSSL

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC()` (not deprecated in OpenSSL 3, unlike `HMAC_CTX_*`),
/// plus the lowercase-hex form Stripe puts in `v1=` and the constant-time comparison used on it.
///
/// Public so that test support can sign payloads exactly as the verifier checks them.
public enum HMACSHA256 {
    /// Length of a MAC in bytes.
    public static let byteCount = 32
    /// Length of a MAC in lowercase hex characters.
    public static let hexCount = 64

    /// The HMAC-SHA256 of `message` under `key`.
    /// - Parameters:
    ///   - key: The key bytes; for Stripe, the endpoint secret's UTF-8 bytes, `whsec_` prefix included.
    ///   - message: The bytes to authenticate.
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        key.withUnsafeBytes { key in
            message.withUnsafeBytes { message in
                out.withUnsafeMutableBufferPointer { out in
                    mac(key: key, message: message, into: out)
                }
            }
        }
        return out
    }

    /// `bytes` as lowercase hexadecimal, two characters per byte.
    public static func lowercaseHex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                writeLowercaseHex(bytes, into: out)
                return bytes.count * 2
            }
        }
    }

    /// Writes the MAC of `message` under `key` into the first ``byteCount`` bytes of `out`.
    static func mac(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= byteCount, "output buffer too small for HMAC-SHA256")
        precondition(key.count <= Int(Int32.max), "HMAC key too long")
        var length: UInt32 = 0
        // OpenSSL accepts (NULL, 0) for an empty key or message.
        let result = HMAC(
            EVP_sha256(),
            key.baseAddress, Int32(key.count),
            message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count,
            out.baseAddress, &length
        )
        precondition(result != nil && length == UInt32(byteCount), "OpenSSL HMAC-SHA256 failed")
    }

    /// A key made ready once for many messages: OpenSSL's HMAC context keyed with it, copied per
    /// message. The one-shot ``mac(key:message:)`` fetches the algorithm and hashes the key on every
    /// call: 5.7 µs for a 5 KiB body on this service's machine kind, against 4.6 µs this way.
    ///
    /// Sendable: after `init` the keyed context is only read (`EVP_MAC_CTX_dup` copies it).
    public final class Key: @unchecked Sendable {
        private let template: OpaquePointer

        /// - Parameter bytes: The key bytes; for Stripe, the endpoint secret's UTF-8 bytes.
        public init(_ bytes: [UInt8]) {
            let keyed = bytes.withUnsafeBufferPointer { key in
                // Never a NULL key pointer, even for an empty key: NULL would mean "no new key".
                withUnsafePointer(to: UInt8(0)) { empty in
                    billing_hmac_sha256_keyed(key.baseAddress ?? empty, key.count)
                }
            }
            guard let keyed else { preconditionFailure("OpenSSL could not key HMAC-SHA256") }
            template = keyed
        }

        deinit { EVP_MAC_CTX_free(template) }

        /// Writes the MAC of `first` followed by `second` (one message in two parts, so that a
        /// prefix need not be copied in front of a body) into the first ``byteCount`` bytes of `out`.
        func mac(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) {
            precondition(out.count >= byteCount, "output buffer too small for HMAC-SHA256")
            guard let context = EVP_MAC_CTX_dup(template) else { preconditionFailure("OpenSSL could not copy an HMAC context") }
            defer { EVP_MAC_CTX_free(context) }
            var length = 0
            let ok = EVP_MAC_update(context, first.baseAddress?.assumingMemoryBound(to: UInt8.self), first.count) == 1
                && EVP_MAC_update(context, second.baseAddress?.assumingMemoryBound(to: UInt8.self), second.count) == 1
                && EVP_MAC_final(context, out.baseAddress, &length, byteCount) == 1
            precondition(ok && length == byteCount, "OpenSSL HMAC-SHA256 failed")
        }
    }

    /// Writes `bytes` as lowercase hex into the first `2 * bytes.count` bytes of `out`.
    static func writeLowercaseHex(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= bytes.count * 2, "output buffer too small for hex")
        for (offset, byte) in bytes.enumerated() {
            out[2 * offset] = hexDigit(byte >> 4)
            out[2 * offset + 1] = hexDigit(byte & 0x0F)
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }

    /// Whether `expected` and `candidate` hold the same bytes, in time independent of where they
    /// differ (`CRYPTO_memcmp`). Lengths are not secret: different lengths return `false` at once.
    ///
    /// The one constant-time compare of the service: webhook signatures, admin tokens, console
    /// session MACs and CSRF tokens all go through it.
    public static func constantTimeEquals(
        _ expected: some Collection<UInt8>, _ candidate: some Collection<UInt8>
    ) -> Bool {
        guard candidate.count == expected.count else { return false }
        guard !expected.isEmpty else { return true }
        let contiguous = expected.withContiguousStorageIfAvailable { expected in
            candidate.withContiguousStorageIfAvailable { candidate in
                CRYPTO_memcmp(expected.baseAddress!, candidate.baseAddress!, expected.count) == 0
            }
        }
        if let contiguous, let equal = contiguous { return equal }
        return Array(expected).withUnsafeBufferPointer { expected in
            Array(candidate).withUnsafeBufferPointer { candidate in
                CRYPTO_memcmp(expected.baseAddress!, candidate.baseAddress!, expected.count) == 0
            }
        }
    }
}
