extension JSONScanner {
    /// A scanned JSON number as Foundation's `JSONDecoder` reads an `Int64` (swift-foundation's
    /// `unwrapFixedWidthInteger`), so that `created` keeps the meaning it had before this scanner:
    ///
    /// - A plain integer (no fraction, no exponent) is exact; outside `Int64` it is `nil`.
    /// - Any other number is read as the nearest `Double` (strtod), which must be a whole number in
    ///   range; below 2^53 that is the value: `1.0` is 1, `1e3` 1000, `1.0000000000000001` 1, `1e-400`
    ///   0, `1.5` nil.
    /// - From 2^53 up, the text is read again as a `Decimal` and truncated: `9007199254740993.9` is
    ///   9007199254740993 (see `int64(decimalText:)`).
    ///
    /// - Parameter text: A number the scanner has checked against RFC 8259's grammar.
    static func int64(fromJSONNumber text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let negative = text.first == UInt8(ascii: "-")
        guard text.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) else {
            var magnitude: UInt64 = 0
            for byte in text.dropFirst(negative ? 1 : 0) {
                let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflow, !carry else { return nil }
                magnitude = sum
            }
            guard negative else { return Int64(exactly: magnitude) }
            return magnitude <= 1 << 63 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        guard let double = Double(String(decoding: text, as: UTF8.self)), let value = Int64(exactly: double) else {
            return nil
        }
        return double.magnitude < 0x1p53 ? value : int64(decimalText: text, negative: negative)
    }

    /// Foundation's `Decimal` reading of a number, truncated to an integer: the significant digits
    /// (from the first that is not 0) that fit 128 bits are kept (38, or 39 when they fit), the rest
    /// only move the exponent; without their trailing zeros they must fit 64 bits, else `nil` (so
    /// `9007199254740993.4999` is nil, while `9007199254740993.0000` is 9007199254740993).
    /// Foundation traps when that exponent leaves -128...127; this reads such a number all the same.
    private static func int64(decimalText text: UnsafeBufferPointer<UInt8>, negative: Bool) -> Int64? {
        var digits: [UInt8] = []   // integer and fraction digits; rare path, so an array is fine
        var index = negative ? 1 : 0
        func scanDigits() {
            while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
                digits.append(text[index] - UInt8(ascii: "0"))
                index += 1
            }
        }
        scanDigits()
        let integerDigits = digits.count
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            scanDigits()
        }
        var exponent = 0
        if index < text.count {   // at `e` or `E`, then an optional sign and digits
            let exponentText = text[(index + 1)...]
            for byte in exponentText where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), 1 << 40)
            }
            if exponentText.first == UInt8(ascii: "-") { exponent = -exponent }
        }

        let leadingZeros = digits.prefix { $0 == 0 }.count
        let significant = digits[leadingZeros...]
        let uInt128Max: [UInt8] = [3, 4, 0, 2, 8, 2, 3, 6, 6, 9, 2, 0, 9, 3, 8, 4, 6, 3, 4, 6, 3, 3, 7, 4, 6, 0, 7, 4, 3, 1, 7, 6, 8, 2, 1, 1, 4, 5, 5]
        let kept = significant.count >= 39 && !uInt128Max.lexicographicallyPrecedes(significant.prefix(39))
            ? 39 : min(significant.count, 38)
        var scale = integerDigits - (leadingZeros + kept) + exponent
        var mantissa: UInt64 = 0
        var pendingZeros = 0
        for digit in significant.prefix(kept) {
            guard digit != 0 else {
                pendingZeros += 1
                continue
            }
            for _ in 0..<pendingZeros {
                guard let product = times10(mantissa) else { return nil }
                mantissa = product
            }
            pendingZeros = 0
            guard let product = times10(mantissa) else { return nil }
            let (sum, carry) = product.addingReportingOverflow(UInt64(digit))
            guard !carry else { return nil }
            mantissa = sum
        }
        scale += pendingZeros
        while scale < 0, mantissa > 0 {
            mantissa /= 10
            scale += 1
        }
        while scale > 0, mantissa > 0 {
            guard let product = times10(mantissa) else { return nil }
            mantissa = product
            scale -= 1
        }
        guard let magnitude = Int64(exactly: mantissa) else { return nil }
        return negative ? -magnitude : magnitude
    }

    private static func times10(_ value: UInt64) -> UInt64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: 10)
        return overflow ? nil : product
    }
}
