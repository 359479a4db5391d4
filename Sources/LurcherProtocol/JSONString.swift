/// Writes arbitrary bytes as a JSON string literal that is always valid
/// JSON and valid UTF-8.
///
/// HTTP header values are bytes, not text: clients send Latin-1, broken
/// UTF-8 and control characters. Mongrel2 copies them into its JSON
/// unescaped, and a strict JSON parser in the handler then fails on the
/// whole request. So:
///
/// - `"` and `\` are escaped; `\n`, `\r`, `\t`, `\b` and `\f` use their
///   short forms; every other byte below 0x20, and 0x7F, becomes `\u00XX`.
/// - Well-formed UTF-8 sequences pass through unchanged.
/// - Any byte that is not part of a well-formed UTF-8 sequence (stray
///   continuation bytes, overlong forms, surrogates, code points past
///   U+10FFFF, sequences cut short) is read as Latin-1 and written as
///   `\u00XX`, so no byte is lost and the output stays valid.
public enum JSONString {
    /// Appends `bytes` as a quoted JSON string.
    @inlinable
    public static func append(_ bytes: some Collection<UInt8>, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        withContiguousBytes(bytes) { appendEscaped(contiguous: $0, to: &buffer) }
        buffer.append(UInt8(ascii: "\""))
    }

    /// Appends `bytes` escaped as the inside of a JSON string, without the
    /// surrounding quotes.
    @inlinable
    public static func appendEscaped(_ bytes: some Collection<UInt8>, to buffer: inout [UInt8]) {
        withContiguousBytes(bytes) { appendEscaped(contiguous: $0, to: &buffer) }
    }

    /// The escaping loop. Runs of bytes that need no escaping are skipped
    /// eight at a time and copied in one `append`, so a typical header value
    /// costs one fast scan and one copy.
    @usableFromInline
    static func appendEscaped(contiguous input: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        guard let base = input.baseAddress else { return }
        var index = 0
        var runStart = 0
        let count = input.count
        while index < count {
            while index + 8 <= count,
                  !wordNeedsAttention(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                index += 8
            }
            guard index < count else { break }
            let byte = base[index]
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = wellFormedSequenceLength(input, at: index)
                if length > 0 {
                    index += length
                    continue
                }
            }
            if runStart < index {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
            }
            appendEscape(for: byte, to: &buffer)
            index += 1
            runStart = index
        }
        if runStart < count {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<count]))
        }
    }

    /// Whether any of the eight bytes in `word` is below 0x20, is 0x7F or
    /// above, or is `"` or `\`: the classic "has a byte less than / equal to"
    /// bit tricks, exact as a yes/no answer.
    @inline(__always)
    static func wordNeedsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ value: UInt64) -> Bool {
            (value &- ones) & ~value & highBits != 0
        }
        let hasControl = (word &- ones &* 0x20) & ~word & highBits != 0
        return hasControl
            || word & highBits != 0
            || hasZeroByte(word ^ (ones &* 0x22))
            || hasZeroByte(word ^ (ones &* 0x5C))
            || hasZeroByte(word ^ (ones &* 0x7F))
    }

    /// Writes the escape for one byte that cannot go out as it is.
    @inline(__always)
    static func appendEscape(for byte: UInt8, to buffer: inout [UInt8]) {
        let short: UInt8
        switch byte {
        case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        default:
            // \u00XX: the byte's Latin-1 code point.
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "u"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(hexDigits[Int(byte >> 4)])
            buffer.append(hexDigits[Int(byte & 0x0F)])
            return
        }
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(short)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The length of the well-formed UTF-8 sequence starting at `index`, or
    /// 0 when there is none. Follows Table 3-7 of the Unicode standard,
    /// which rules out overlong forms, surrogates and values past U+10FFFF.
    @inline(__always)
    static func wellFormedSequenceLength(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = input[index]
        let available = input.count - index
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
        case 0xED:
            length = 3
            secondHigh = 0x9F
        case 0xF0:
            length = 4
            secondLow = 0x90
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            secondHigh = 0x8F
        default:
            return 0
        }
        guard available >= length else { return 0 }
        let second = input[index + 1]
        guard second >= secondLow && second <= secondHigh else { return 0 }
        var next = index + 2
        while next < index + length {
            guard input[next] & 0xC0 == 0x80 else { return 0 }
            next += 1
        }
        return length
    }
}
