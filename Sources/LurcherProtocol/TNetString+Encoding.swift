extension TNetString {
    /// Appends the wire form of this value to `buffer`.
    ///
    /// Containers need their payload length before the payload, so the
    /// length is computed first (``payloadCount``) rather than writing the
    /// payload and shifting it right afterwards. That costs arithmetic per
    /// nesting level but never moves or allocates bytes.
    public func encode(into buffer: inout [UInt8]) {
        switch self {
        case .string(let bytes):
            Self.appendUnit(payloadCount: bytes.count, tag: UInt8(ascii: ","), to: &buffer) { buffer in
                buffer.append(contentsOf: bytes)
            }
        case .integer(let value):
            Self.appendUnit(payloadCount: Self.integerCount(value), tag: UInt8(ascii: "#"), to: &buffer) { buffer in
                ASCIIDecimal.append(value, to: &buffer)
            }
        case .float(let value):
            // Floats are rare on this protocol (none on the request path), so
            // going through Swift's shortest round-trip description is fine.
            let text = value.description.utf8
            Self.appendUnit(payloadCount: text.count, tag: UInt8(ascii: "^"), to: &buffer) { buffer in
                buffer.append(contentsOf: text)
            }
        case .bool(let value):
            let text = value ? Self.trueBytes : Self.falseBytes
            Self.appendUnit(payloadCount: text.count, tag: UInt8(ascii: "!"), to: &buffer) { buffer in
                buffer.append(contentsOf: text)
            }
        case .null:
            buffer.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ":"), UInt8(ascii: "~")])
        case .list(let elements):
            Self.appendUnit(payloadCount: payloadCount, tag: UInt8(ascii: "]"), to: &buffer) { buffer in
                for element in elements {
                    element.encode(into: &buffer)
                }
            }
        case .dictionary(let pairs):
            Self.appendUnit(payloadCount: payloadCount, tag: UInt8(ascii: "}"), to: &buffer) { buffer in
                for pair in pairs {
                    Self.appendUnit(payloadCount: pair.key.count, tag: UInt8(ascii: ","), to: &buffer) { buffer in
                        buffer.append(contentsOf: pair.key)
                    }
                    pair.value.encode(into: &buffer)
                }
            }
        }
    }

    /// The wire form of this value as a new array.
    public var encoded: [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(encodedCount)
        encode(into: &buffer)
        return buffer
    }

    /// The number of bytes ``encode(into:)`` writes.
    public var encodedCount: Int {
        let payload = payloadCount
        return ASCIIDecimal.digitCount(payload) + 1 + payload + 1
    }

    /// The number of bytes between the `:` and the type tag.
    var payloadCount: Int {
        switch self {
        case .string(let bytes):
            return bytes.count
        case .integer(let value):
            return Self.integerCount(value)
        case .float(let value):
            return value.description.utf8.count
        case .bool(let value):
            return value ? 4 : 5
        case .null:
            return 0
        case .list(let elements):
            return elements.reduce(0) { $0 + $1.encodedCount }
        case .dictionary(let pairs):
            return pairs.reduce(0) { total, pair in
                total + ASCIIDecimal.digitCount(pair.key.count) + 1 + pair.key.count + 1
                    + pair.value.encodedCount
            }
        }
    }

    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)

    private static func integerCount(_ value: Int) -> Int {
        ASCIIDecimal.digitCount(UInt64(value.magnitude)) + (value < 0 ? 1 : 0)
    }

    /// Writes `LEN:`, lets `body` write exactly `payloadCount` bytes, then
    /// writes the tag.
    @inline(__always)
    private static func appendUnit(
        payloadCount: Int,
        tag: UInt8,
        to buffer: inout [UInt8],
        body: (inout [UInt8]) -> Void
    ) {
        ASCIIDecimal.append(UInt64(payloadCount), to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        body(&buffer)
        buffer.append(tag)
    }
}
