/// One `LEN:PAYLOAD` + terminator unit split off the front of some bytes:
/// the framing that netstrings and tnetstrings share.
@usableFromInline
struct LengthPrefixed {
    /// The `LEN` bytes that follow the length prefix.
    @usableFromInline let payload: ArraySlice<UInt8>
    /// The byte right after the payload: `,` for a netstring, the type tag
    /// for a tnetstring.
    @usableFromInline let terminator: UInt8
    /// Everything after the terminator.
    @usableFromInline let rest: ArraySlice<UInt8>

    /// The tnetstring spec caps lengths at 999999999; the same cap keeps a
    /// hostile prefix from overflowing `Int` here.
    @usableFromInline static let maximumDigits = 9

    @usableFromInline
    init(payload: ArraySlice<UInt8>, terminator: UInt8, rest: ArraySlice<UInt8>) {
        self.payload = payload
        self.terminator = terminator
        self.rest = rest
    }

    /// Splits one unit off the front of `bytes`.
    ///
    /// - Throws: `.badLength` when the prefix is not 1 to 9 digits and `:`,
    ///   `.truncated` when the input ends before the terminator.
    @usableFromInline
    static func split(_ bytes: ArraySlice<UInt8>) throws(ProtocolError) -> LengthPrefixed {
        let start = bytes.startIndex
        var index = start
        var length = 0
        while true {
            guard index < bytes.endIndex else {
                // Ran out inside the prefix: report the smallest complete
                // unit the digits so far allow (at least one digit is needed).
                let digits = Swift.max(index - start, 1)
                throw .truncated(expected: digits + 1 + length + 1, available: bytes.count)
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                break
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"),
                  index - start < maximumDigits
            else {
                throw .badLength(ProtocolError.excerpt(bytes[start...index]))
            }
            length = length * 10 + Int(byte &- UInt8(ascii: "0"))
            index += 1
        }
        guard index > start else {
            throw .badLength(":")
        }
        let payloadStart = index + 1
        let available = bytes.endIndex - payloadStart
        guard available > length else {
            throw .truncated(expected: payloadStart - start + length + 1, available: bytes.count)
        }
        let terminatorIndex = payloadStart + length
        return LengthPrefixed(
            payload: bytes[payloadStart..<terminatorIndex],
            terminator: bytes[terminatorIndex],
            rest: bytes[(terminatorIndex + 1)...]
        )
    }
}
