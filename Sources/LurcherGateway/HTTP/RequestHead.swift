/// The request target and header fields of one request, as the client sent them.
///
/// Names (lowercased) and values sit back to back in one byte array, and ``fields`` index into it, so a
/// request costs no dictionary and no `String` per header.
struct RequestHead {
    /// One header line: where its name and value are in ``bytes``.
    struct Field {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// The raw request target.
    var url: [UInt8] = []
    /// Every header name (lowercased) and value, back to back.
    var bytes: [UInt8] = []
    var fields: [Field] = []

    /// Forgets the previous request but keeps the buffers.
    mutating func removeAll() {
        url.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    func name(of field: Field) -> ArraySlice<UInt8> { bytes[field.name] }

    /// A field's value without the optional whitespace around it.
    func value(of field: Field) -> ArraySlice<UInt8> {
        var value = bytes[field.value]
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { value.removeLast() }
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { value.removeFirst() }
        return value
    }

    /// The value of the first header named `name` (lowercase).
    func value(of name: String) -> ArraySlice<UInt8>? {
        fields.first { bytes[$0.name].elementsEqual(name.utf8) }.map { value(of: $0) }
    }

    /// The values of every header named `name` (lowercase), in order.
    func values(of name: String) -> [ArraySlice<UInt8>] {
        fields.filter { bytes[$0.name].elementsEqual(name.utf8) }.map { value(of: $0) }
    }

    /// The value of the first header named `name`, as a string (for the few headers read as text).
    func string(of name: String) -> String? {
        value(of: name).map { String(decoding: $0, as: UTF8.self) }
    }
}
