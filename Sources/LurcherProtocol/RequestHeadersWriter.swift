/// Builds the HEADERS part of a request, in JSON or tnetstring form.
///
/// Entries are appended straight into one byte buffer in their final
/// encoding, so a request costs no intermediate dictionary and no `String`.
/// ``frame(into:)`` then adds the framing that goes on the wire:
///
/// - `.json`: a netstring holding a JSON object, `LEN:{"k":"v",...},`
/// - `.tnetstring`: a tnetstring dictionary, `LEN:1:k,1:v,...}`
///
/// Names and values are written exactly as given: the gateway lowercases
/// client header names before it gets here. Nothing checks for duplicate
/// names; a repeated header is meant to be appended once with
/// ``append(name:values:)``.
public struct RequestHeadersWriter: Sendable {
    /// The encoding this writer produces.
    public private(set) var encoding: HeaderEncoding

    /// The number of entries appended so far.
    public private(set) var count: Int = 0

    /// The entries in their final encoding, without the enclosing `{` `}`
    /// (JSON) or the length prefix and `}` tag (tnetstring).
    @usableFromInline
    var entries: [UInt8]

    /// Creates an empty writer.
    ///
    /// - Parameters:
    ///   - encoding: the wire encoding to produce.
    ///   - reservingCapacity: bytes to reserve for the entries up front; a
    ///     typical browser request's headers fit in 1 KiB.
    public init(encoding: HeaderEncoding = .json, reservingCapacity: Int = 1024) {
        self.encoding = encoding
        self.entries = []
        self.entries.reserveCapacity(reservingCapacity)
    }

    /// Whether no entry has been appended.
    public var isEmpty: Bool { count == 0 }

    /// Removes every entry but keeps the buffer, so one writer can be reused
    /// for request after request without reallocating.
    public mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        count = 0
    }

    /// Removes every entry and starts over in `encoding`, keeping the
    /// buffer: one writer serves every request of a connection, whichever
    /// handler each goes to.
    ///
    /// - Parameter reservingCapacity: bytes the buffer should hold at least.
    public mutating func reset(encoding: HeaderEncoding, reservingCapacity: Int) {
        removeAll()
        self.encoding = encoding
        entries.reserveCapacity(reservingCapacity)
    }

    /// Appends a header with one value.
    @inlinable
    public mutating func append(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        withContiguousBytes(name) { name in
            withContiguousBytes(value) { value in
                appendSingle(name: name, value: value)
            }
        }
    }

    /// Appends a header that has several values: a JSON array or a
    /// tnetstring list of strings, in the order given.
    @inlinable
    public mutating func append<Values: Collection>(
        name: some Collection<UInt8>,
        values: Values
    ) where Values.Element: Collection<UInt8> {
        // A tnetstring list needs its payload length before its elements.
        var listPayloadCount = 0
        if encoding == .tnetstring {
            for value in values {
                let valueCount = value.count
                listPayloadCount += ASCIIDecimal.digitCount(valueCount) + 1 + valueCount + 1
            }
        }
        withContiguousBytes(name) { name in
            beginList(name: name, payloadCount: listPayloadCount)
        }
        var first = true
        for value in values {
            withContiguousBytes(value) { value in
                appendListElement(value, first: first)
            }
            first = false
        }
        endList()
    }

    /// The number of bytes ``frame(into:)`` writes.
    public var framedCount: Int {
        switch encoding {
        case .json:
            let payload = entries.count + 2
            return ASCIIDecimal.digitCount(payload) + 1 + payload + 1
        case .tnetstring:
            return ASCIIDecimal.digitCount(entries.count) + 1 + entries.count + 1
        }
    }

    /// Appends the headers in their wire framing.
    public func frame(into buffer: inout [UInt8]) {
        switch encoding {
        case .json:
            ASCIIDecimal.append(UInt64(entries.count + 2), to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            buffer.append(UInt8(ascii: "{"))
            buffer.append(contentsOf: entries)
            buffer.append(UInt8(ascii: "}"))
            buffer.append(UInt8(ascii: ","))
        case .tnetstring:
            ASCIIDecimal.append(UInt64(entries.count), to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            buffer.append(contentsOf: entries)
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// The headers in their wire framing, as a new array.
    public var framed: [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(framedCount)
        frame(into: &buffer)
        return buffer
    }

    // MARK: - Non-generic cores, called by the inlinable entry points.

    @usableFromInline
    mutating func appendSingle(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        appendName(name)
        appendString(value)
    }

    @usableFromInline
    mutating func beginList(name: UnsafeBufferPointer<UInt8>, payloadCount: Int) {
        appendName(name)
        switch encoding {
        case .json:
            entries.append(UInt8(ascii: "["))
        case .tnetstring:
            ASCIIDecimal.append(UInt64(payloadCount), to: &entries)
            entries.append(UInt8(ascii: ":"))
        }
    }

    @usableFromInline
    mutating func appendListElement(_ value: UnsafeBufferPointer<UInt8>, first: Bool) {
        if encoding == .json && !first {
            entries.append(UInt8(ascii: ","))
        }
        appendString(value)
    }

    @usableFromInline
    mutating func endList() {
        // The JSON array's closing bracket and the tnetstring list tag
        // happen to be the same byte.
        entries.append(UInt8(ascii: "]"))
    }

    /// Writes the separator and the key of a new entry.
    private mutating func appendName(_ name: UnsafeBufferPointer<UInt8>) {
        switch encoding {
        case .json:
            if count > 0 {
                entries.append(UInt8(ascii: ","))
            }
            appendString(name)
            entries.append(UInt8(ascii: ":"))
        case .tnetstring:
            appendString(name)
        }
        count += 1
    }

    /// Writes one string in the writer's encoding.
    private mutating func appendString(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch encoding {
        case .json:
            entries.append(UInt8(ascii: "\""))
            JSONString.appendEscaped(contiguous: bytes, to: &entries)
            entries.append(UInt8(ascii: "\""))
        case .tnetstring:
            Netstring.append(bytes, to: &entries)
        }
    }
}
