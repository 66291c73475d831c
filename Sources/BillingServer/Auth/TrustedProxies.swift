#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The proxies whose `X-Forwarded-For` header is believed (`BILLING_TRUSTED_PROXIES`): IPv4 or
/// IPv6 addresses and CIDR blocks (`10.0.0.0/8`, `fd00::/8`).
public struct TrustedProxies: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        let bytes: [UInt8]
        let prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for i in bytes.indices where remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if address[i] & mask != bytes[i] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let blocks: [Block]

    /// Blocks already parsed; use ``parse(_:)`` for the setting's text.
    init(_ blocks: [Block]) { self.blocks = blocks }

    /// Parses comma-separated addresses and CIDR blocks; the failure names the first entry that is neither.
    public static func parse(_ text: String) -> Result<TrustedProxies, InvalidEntry> {
        var blocks: [Block] = []
        for raw in text.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.addressBytes(parts[0]) else { return .failure(InvalidEntry(entry: entry)) }
            var length = bytes.count * 8
            if parts.count == 2 {
                guard let n = Int(parts[1]), (0...bytes.count * 8).contains(n) else { return .failure(InvalidEntry(entry: entry)) }
                length = n
            }
            blocks.append(Block(bytes: bytes, prefixLength: length))
        }
        return .success(TrustedProxies(blocks))
    }

    /// An entry of `BILLING_TRUSTED_PROXIES` that is not an address or CIDR block.
    public struct InvalidEntry: Error, Sendable {
        public let entry: String
    }

    /// Whether `address` (textual IPv4 or IPv6) is one of the trusted proxies.
    public func contains(_ address: String) -> Bool {
        guard !blocks.isEmpty, let bytes = Self.addressBytes(address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client address of a request: the peer, unless the peer is a trusted proxy, in which case
    /// the rightmost `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left
    /// were written by the client and prove nothing).
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        guard contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !contains(hop) {
            return Self.addressBytes(hop) != nil ? hop : peer
        }
        return hops.first ?? peer
    }

    /// 4 or 16 bytes of a textual address, or `nil`.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
