/// Writes and reads ASCII decimal numbers straight from and into byte
/// buffers, because the encode path must not round-trip through `String`.
@usableFromInline
enum ASCIIDecimal {
    /// The number of decimal digits `value` takes (1 for zero).
    @inlinable
    static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// The number of decimal digits of a non-negative count.
    @inlinable
    static func digitCount(_ value: Int) -> Int {
        digitCount(UInt64(value))
    }

    /// Appends `value` in decimal without any intermediate allocation.
    @inlinable
    static func append(_ value: UInt64, to buffer: inout [UInt8]) {
        let count = digitCount(value)
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        buffer.withUnsafeMutableBufferPointer { bytes in
            var rest = value
            var index = start + count - 1
            while rest > 0 {
                bytes[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                index -= 1
            }
        }
    }

    /// Appends a signed integer in decimal, with a leading `-` when negative.
    @inlinable
    static func append(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
        }
        // `magnitude` is exact even for Int.min.
        append(UInt64(value.magnitude), to: &buffer)
    }

    /// Parses unsigned decimal digits; nil when empty, when any byte is not a
    /// digit, or on overflow. Signs and spaces are not accepted.
    @inlinable
    static func parseUInt64(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}
