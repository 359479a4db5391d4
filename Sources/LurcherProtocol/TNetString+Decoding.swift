extension TNetString {
    /// How deep lists and dictionaries may nest before decoding gives up.
    /// Mongrel2 messages nest two levels at most; the limit only exists so
    /// a hostile message cannot exhaust the stack of the recursive decoder.
    public static let defaultMaximumDepth = 64

    /// Decodes one value from the front of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the input; it may hold more after the first value.
    ///   - maximumDepth: how many container levels to accept.
    /// - Returns: the value and the bytes after it, a slice of `bytes`.
    /// - Throws: ``ProtocolError`` when the input is not a tnetstring:
    ///   `.badLength`, `.truncated`, `.unknownTag`, `.badValue` (such as a
    ///   bool that is neither `true` nor `false`), `.malformed` (a
    ///   dictionary key that is not a string, or a key without a value),
    ///   `.nestingTooDeep`.
    public static func decode(
        _ bytes: ArraySlice<UInt8>,
        maximumDepth: Int = defaultMaximumDepth
    ) throws(ProtocolError) -> (value: TNetString, rest: ArraySlice<UInt8>) {
        try decodeValue(bytes, depthLeft: maximumDepth, limit: maximumDepth)
    }

    /// Decodes one value from the front of `bytes`; see the `ArraySlice` overload.
    public static func decode(
        _ bytes: [UInt8],
        maximumDepth: Int = defaultMaximumDepth
    ) throws(ProtocolError) -> (value: TNetString, rest: ArraySlice<UInt8>) {
        try decode(bytes[...], maximumDepth: maximumDepth)
    }

    /// Decodes one value from the front of any byte collection. The bytes
    /// are copied once; the returned rest indexes that copy.
    @inlinable
    public static func decode(
        _ bytes: some Collection<UInt8>,
        maximumDepth: Int = defaultMaximumDepth
    ) throws(ProtocolError) -> (value: TNetString, rest: ArraySlice<UInt8>) {
        try decode(ArraySlice(bytes), maximumDepth: maximumDepth)
    }

    /// Decodes every value in `bytes`, which holds tnetstrings back to back.
    /// Empty input gives an empty array.
    @inlinable
    public static func decodeAll(
        _ bytes: some Collection<UInt8>,
        maximumDepth: Int = defaultMaximumDepth
    ) throws(ProtocolError) -> [TNetString] {
        var rest = ArraySlice(bytes)
        var values: [TNetString] = []
        while !rest.isEmpty {
            let decoded = try decode(rest, maximumDepth: maximumDepth)
            values.append(decoded.value)
            rest = decoded.rest
        }
        return values
    }

    /// Decodes a value that must span all of `bytes`.
    ///
    /// - Throws: as `decode(_:maximumDepth:)`, and
    ///   `.trailingBytes` when anything follows the value.
    @inlinable
    public init(decoding bytes: some Collection<UInt8>, maximumDepth: Int = TNetString.defaultMaximumDepth) throws(ProtocolError) {
        let decoded = try Self.decode(ArraySlice(bytes), maximumDepth: maximumDepth)
        guard decoded.rest.isEmpty else {
            throw .trailingBytes(count: decoded.rest.count)
        }
        self = decoded.value
    }

    private static func decodeValue(
        _ bytes: ArraySlice<UInt8>,
        depthLeft: Int,
        limit: Int
    ) throws(ProtocolError) -> (value: TNetString, rest: ArraySlice<UInt8>) {
        let unit = try LengthPrefixed.split(bytes)
        let payload = unit.payload
        let value: TNetString
        switch unit.terminator {
        case UInt8(ascii: ","):
            value = .string(Array(payload))
        case UInt8(ascii: "#"):
            value = .integer(try parseInteger(payload))
        case UInt8(ascii: "^"):
            value = .float(try parseFloat(payload))
        case UInt8(ascii: "!"):
            if payload.elementsEqual("true".utf8) {
                value = .bool(true)
            } else if payload.elementsEqual("false".utf8) {
                value = .bool(false)
            } else {
                throw .badValue(tag: unit.terminator, payload: ProtocolError.excerpt(payload))
            }
        case UInt8(ascii: "~"):
            guard payload.isEmpty else {
                throw .badValue(tag: unit.terminator, payload: ProtocolError.excerpt(payload))
            }
            value = .null
        case UInt8(ascii: "]"):
            guard depthLeft > 0 else { throw .nestingTooDeep(limit: limit) }
            var elements: [TNetString] = []
            var rest = payload
            while !rest.isEmpty {
                let element = try decodeValue(rest, depthLeft: depthLeft - 1, limit: limit)
                elements.append(element.value)
                rest = element.rest
            }
            value = .list(elements)
        case UInt8(ascii: "}"):
            guard depthLeft > 0 else { throw .nestingTooDeep(limit: limit) }
            var pairs: [Pair] = []
            var rest = payload
            while !rest.isEmpty {
                let key = try LengthPrefixed.split(rest)
                guard key.terminator == UInt8(ascii: ",") else {
                    throw .malformed(
                        "tnetstring dictionary key must be a string (tag ','), found tag '\(ProtocolError.show(key.terminator))'"
                    )
                }
                guard !key.rest.isEmpty else {
                    throw .malformed(
                        "tnetstring dictionary has an odd number of elements: key \"\(ProtocolError.excerpt(key.payload))\" has no value"
                    )
                }
                let element = try decodeValue(key.rest, depthLeft: depthLeft - 1, limit: limit)
                pairs.append(Pair(key: Array(key.payload), value: element.value))
                rest = element.rest
            }
            value = .dictionary(pairs)
        default:
            throw .unknownTag(unit.terminator)
        }
        return (value, unit.rest)
    }

    /// An optional `-` and decimal digits that fit `Int`; nothing else, so
    /// that one value has one spelling.
    private static func parseInteger(_ payload: ArraySlice<UInt8>) throws(ProtocolError) -> Int {
        let negative = payload.first == UInt8(ascii: "-")
        let digits = negative ? payload.dropFirst() : payload
        guard let magnitude = ASCIIDecimal.parseUInt64(digits) else {
            throw .badValue(tag: UInt8(ascii: "#"), payload: ProtocolError.excerpt(payload))
        }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else {
                throw .badValue(tag: UInt8(ascii: "#"), payload: ProtocolError.excerpt(payload))
            }
            return Int(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int.max) else {
            throw .badValue(tag: UInt8(ascii: "#"), payload: ProtocolError.excerpt(payload))
        }
        return Int(magnitude)
    }

    private static func parseFloat(_ payload: ArraySlice<UInt8>) throws(ProtocolError) -> Double {
        guard let value = Double(String(decoding: payload, as: UTF8.self)) else {
            throw .badValue(tag: UInt8(ascii: "^"), payload: ProtocolError.excerpt(payload))
        }
        return value
    }
}
