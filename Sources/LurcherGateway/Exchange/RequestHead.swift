import LurcherProtocol

/// The head of one request as the client sent it, whichever protocol it came in: method, target, version
/// and header fields, with the peer it came from and the scheme it came over.
///
/// This is what a protocol front end hands ``RequestIntake``. Names (lowercased) and values sit back to back
/// in one byte array, and ``fields`` index into it, so a request costs no dictionary and no `String` per
/// header; one head's buffers serve every request of a connection.
struct RequestHead {
    /// One header line: where its name and value are in ``bytes``.
    struct Field {
        var name: Range<Int>
        var value: Range<Int>
    }

    var method = RequestMethod.get
    /// The raw request target as sent: HTTP/1's request-target, HTTP/2's `:path`.
    var url: [UInt8] = []
    var version = Version.http11
    /// Every header name (lowercased) and value, back to back.
    var bytes: [UInt8] = []
    var fields: [Field] = []
    /// The client's address, as handlers get it in `REMOTE_ADDR` and `x-forwarded-for`; the same for every
    /// request of a connection.
    let peer: [UInt8]
    let scheme: Scheme
    /// The SHA-1 fingerprint of the client's TLS certificate (``CertificateFingerprint``), as handlers get it in
    /// `PEER_CERT_SHA1`; nil without one. Set once the handshake is done, the same for every request after.
    var peerCertificateSHA1: [UInt8]?
    /// The client spoke HTTP/2. Handlers still get `VERSION` `HTTP/1.1` (the protocol they answer in), and
    /// `CLIENT_VERSION` `HTTP/2` besides; the access log shows `HTTP/2.0`.
    var overHTTP2 = false

    /// A head with nothing received yet, from `peer` (none known by default) over `scheme`.
    init(peer: [UInt8] = [], scheme: Scheme = .http) {
        self.peer = peer
        self.scheme = scheme
    }

    /// Forgets the previous request but keeps the buffers (the method and version are the next request's to set).
    mutating func removeAll() {
        url.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    func name(of field: Field) -> ArraySlice<UInt8> { bytes[field.name] }

    // The parser's callbacks append through these methods rather than to the arrays directly: the head is a
    // class's property there, and every separate access to it is checked for exclusivity at run time, which
    // per byte was a sizeable share of parsing a request.

    /// Appends part of a header name, lowercased (Mongrel2 sends client header names lowercased), beginning a
    /// new field first when `startsField`.
    mutating func appendName(_ part: UnsafeRawBufferPointer, startsField: Bool) {
        if startsField { fields.append(Field(name: bytes.count..<bytes.count, value: 0..<0)) }
        let start = bytes.count
        bytes.append(contentsOf: part)
        bytes.withUnsafeMutableBufferPointer { bytes in
            for index in start..<bytes.count where bytes[index] >= 65 && bytes[index] <= 90 { bytes[index] |= 0x20 }
        }
        fields[fields.count - 1].name = fields[fields.count - 1].name.lowerBound..<bytes.count
    }

    /// Appends part of the last field's value, which begins here when `startsValue`.
    mutating func appendValue(_ part: UnsafeRawBufferPointer, startsValue: Bool) {
        let start = startsValue ? bytes.count : fields[fields.count - 1].value.lowerBound
        bytes.append(contentsOf: part)
        fields[fields.count - 1].value = start..<bytes.count
    }

    /// Appends a whole field, `name` already lowercase (as HTTP/2 sends names).
    mutating func appendField(name: some StringProtocol, value: some StringProtocol) {
        var name = String(name)
        var value = String(value)
        name.withUTF8 { appendName(UnsafeRawBufferPointer($0), startsField: true) }
        value.withUTF8 { appendValue(UnsafeRawBufferPointer($0), startsValue: true) }
    }

    /// Appends each field to `writer` in the order received, a repeated name once, as a list, where it first
    /// appears; `skipping` names are left out.
    func writeFields(to writer: inout RequestHeadersWriter, skipping: (ArraySlice<UInt8>) -> Bool) {
        for (position, field) in fields.enumerated() {
            let name = self.name(of: field)
            if skipping(name) { continue }
            if fields[..<position].contains(where: { self.name(of: $0) == name }) { continue }
            let repeats = fields[(position + 1)...].filter { self.name(of: $0) == name }
            if repeats.isEmpty {
                writer.append(name: name, value: value(of: field))
            } else {
                writer.append(name: name, values: ([field] + repeats).map { value(of: $0) })
            }
        }
    }

    /// A field's value without the optional whitespace around it.
    func value(of field: Field) -> ArraySlice<UInt8> {
        var value = bytes[field.value]
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { value.removeLast() }
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { value.removeFirst() }
        return value
    }

    // Names are compared as bytes: a String's UTF-8 view compares one generic step at a time.

    /// The value of the first header named `name` (lowercase).
    func value(of name: String) -> ArraySlice<UInt8>? {
        var name = name
        return name.withUTF8 { name in fields.first { self.name(of: $0).elementsEqual(name) } }.map { value(of: $0) }
    }

    /// The values of every header named `name` (lowercase), in order.
    func values(of name: String) -> [ArraySlice<UInt8>] {
        var name = name
        return name.withUTF8 { name in fields.filter { self.name(of: $0).elementsEqual(name) } }.map { value(of: $0) }
    }

    /// The fields named `name` (lowercase), in order, found as they are read.
    func fields(named name: ArraySlice<UInt8>) -> LazyFilterSequence<[Field]> {
        fields.lazy.filter { self.name(of: $0) == name }
    }

    /// The value of the first header named `name`, as a string (for the few headers read as text).
    func string(of name: String) -> String? {
        value(of: name).map { String(decoding: $0, as: UTF8.self) }
    }
}
