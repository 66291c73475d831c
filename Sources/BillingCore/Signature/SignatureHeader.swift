/// A parsed `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, other schemes ignored.
///
/// Parsing follows stripe-python 16.1.0 (`WebhookSignature._get_timestamp_and_signatures`), as
/// pinned by `signature-vectors.md`:
/// - An absent header, an empty one, or one of only spaces/tabs is ``BillingCoreError/Code/missingSignature``
///   (an HTTP server strips surrounding whitespace, so such a value arrives empty).
/// - Items are split on `,`, each item on `=`: the key is the text before the first `=`, the value the
///   text after it up to any second `=`. Nothing is trimmed and keys are case-sensitive, so ` v1` is not `v1`.
/// - The first `t` counts; its value is an optional sign and base-10 digits (leading zeros allowed).
///   No `t`, a bad first `t`, or any `t`/`v1` item without `=` is ``BillingCoreError/Code/malformedSignature``.
/// - No `v1` item at all (only `v0`, `v2`, …) is ``BillingCoreError/Code/malformedSignature``.
///
/// Errors never quote the header.
public struct SignatureHeader: Sendable, Hashable {
    /// The first `t` value, parsed. The signed payload uses its canonical decimal (`t=007` signs as `7`).
    public let timestamp: Int64
    /// Every `v1` value in header order, exactly as sent (possibly empty, not hex, or any length).
    public let v1Signatures: [Substring]

    /// Parses a header value as the HTTP server hands it over (`nil` when the header is absent).
    public init(parsing header: String?) throws(BillingCoreError) {
        guard let header, !Self.isBlank(header) else {
            throw BillingCoreError(.missingSignature, "the request has no Stripe-Signature header")
        }
        let utf8 = header.utf8
        var firstTimestamp: Substring.UTF8View?
        var signatures: [Substring] = []

        var itemStart = utf8.startIndex
        while true {
            let itemEnd = utf8[itemStart...].firstIndex(of: Byte.comma) ?? utf8.endIndex
            let item = utf8[itemStart..<itemEnd]
            if let equals = item.firstIndex(of: Byte.equals) {
                let key = utf8[itemStart..<equals]
                let valueStart = utf8.index(after: equals)
                let valueEnd = utf8[valueStart..<itemEnd].firstIndex(of: Byte.equals) ?? itemEnd
                if Self.isKey(key, "t") {
                    if firstTimestamp == nil { firstTimestamp = utf8[valueStart..<valueEnd] }
                } else if Self.isKey(key, "v1") {
                    // `,` and `=` are ASCII, so these UTF-8 indices are valid String indices.
                    signatures.append(header[valueStart..<valueEnd])
                }
            } else if Self.isKey(item, "t") || Self.isKey(item, "v1") {
                throw BillingCoreError(.malformedSignature, "the Stripe-Signature header has a t or v1 item without a value")
            }
            guard itemEnd < utf8.endIndex else { break }
            itemStart = utf8.index(after: itemEnd)
        }

        guard let firstTimestamp else {
            throw BillingCoreError(.malformedSignature, "the Stripe-Signature header has no t item")
        }
        guard let timestamp = Self.parseInteger(firstTimestamp) else {
            throw BillingCoreError(.malformedSignature, "the Stripe-Signature header's t is not a base-10 integer")
        }
        guard !signatures.isEmpty else {
            throw BillingCoreError(.malformedSignature, "the Stripe-Signature header has no v1 signature")
        }
        self.timestamp = timestamp
        self.v1Signatures = signatures
    }

    /// Creates a header value directly (tests, or a caller that parsed it elsewhere).
    public init(timestamp: Int64, v1Signatures: [Substring]) {
        self.timestamp = timestamp
        self.v1Signatures = v1Signatures
    }

    // MARK: - Lexing helpers

    private enum Byte {
        static let comma = UInt8(ascii: ",")
        static let equals = UInt8(ascii: "=")
        static let space = UInt8(ascii: " ")
        static let tab = UInt8(ascii: "\t")
        static let plus = UInt8(ascii: "+")
        static let minus = UInt8(ascii: "-")
        static let zero = UInt8(ascii: "0")
        static let nine = UInt8(ascii: "9")
    }

    /// Empty, or only spaces and horizontal tabs (HTTP optional whitespace).
    private static func isBlank(_ header: String) -> Bool {
        header.utf8.allSatisfy { $0 == Byte.space || $0 == Byte.tab }
    }

    private static func isKey(_ bytes: Substring.UTF8View, _ key: StaticString) -> Bool {
        key.withUTF8Buffer { bytes.elementsEqual($0) }
    }

    /// `[+-]?[0-9]+` as an `Int64`, or `nil` (not an integer, or out of range).
    private static func parseInteger(_ bytes: Substring.UTF8View) -> Int64? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        var negative = false
        if bytes[index] == Byte.plus || bytes[index] == Byte.minus {
            negative = bytes[index] == Byte.minus
            index = bytes.index(after: index)
            guard index < bytes.endIndex else { return nil }
        }
        // Accumulate towards the sign so that Int64.min parses too.
        var value: Int64 = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte >= Byte.zero, byte <= Byte.nine else { return nil }
            let digit = Int64(byte &- Byte.zero)
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index = bytes.index(after: index)
        }
        return value
    }
}
