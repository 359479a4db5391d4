/// Netstrings (`LEN:BYTES,`), the framing of request bodies, of JSON
/// headers and of the id list in a reply.
public enum Netstring {
    /// Appends `bytes` as the netstring `LEN:bytes,`.
    @inlinable
    public static func append(_ bytes: some Collection<UInt8>, to buffer: inout [UInt8]) {
        ASCIIDecimal.append(UInt64(bytes.count), to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        buffer.append(contentsOf: bytes)
        buffer.append(UInt8(ascii: ","))
    }

    /// Decodes one netstring from the front of `bytes`.
    ///
    /// - Returns: the payload and the bytes after the closing `,`, both
    ///   slices of the input.
    /// - Throws: `.badLength`, `.truncated`, or `.badTerminator` when the
    ///   byte after the payload is not `,`.
    public static func decode(
        _ bytes: ArraySlice<UInt8>
    ) throws(ProtocolError) -> (payload: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        let unit = try LengthPrefixed.split(bytes)
        guard unit.terminator == UInt8(ascii: ",") else {
            throw .badTerminator(expected: UInt8(ascii: ","), found: unit.terminator)
        }
        return (unit.payload, unit.rest)
    }

    /// Decodes one netstring from the front of `bytes`.
    public static func decode(
        _ bytes: [UInt8]
    ) throws(ProtocolError) -> (payload: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        try decode(bytes[...])
    }

    /// Decodes one netstring from the front of any byte collection. The
    /// bytes are copied once; the returned slices index that copy.
    @inlinable
    public static func decode(
        _ bytes: some Collection<UInt8>
    ) throws(ProtocolError) -> (payload: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        try decode(ArraySlice(bytes))
    }
}
