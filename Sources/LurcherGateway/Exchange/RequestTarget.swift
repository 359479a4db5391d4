import CHTTPParser

/// The parts of a request target (RFC 9112, section 3.2), split by http_parser's URL parser.
struct RequestTarget {
    /// The raw path, still percent-encoded; `*` for `OPTIONS *`.
    var path: ArraySlice<UInt8>
    var query: ArraySlice<UInt8>?
    var fragment: ArraySlice<UInt8>?
    /// The host of an absolute-form target (`GET http://host/path`), which overrides the Host header.
    var host: ArraySlice<UInt8>?

    /// Splits `url`; nil when http_parser rejects it.
    init?(url: [UInt8], isConnect: Bool) {
        if url == [UInt8(ascii: "*")] {
            path = url[...]
            return
        }
        var parsed = http_parser_url()
        http_parser_url_init(&parsed)
        let status = url.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { http_parser_parse_url($0.baseAddress, $0.count, isConnect ? 1 : 0, &parsed) }
        }
        guard status == 0 else { return nil }
        func field(_ which: http_parser_url_fields) -> ArraySlice<UInt8>? {
            guard parsed.field_set & (1 << UInt16(which.rawValue)) != 0 else { return nil }
            // Swift does not import the array of anonymous structs `field_data`; read it by its C layout:
            // field_set and port (two uint16_t), then {off, len} pairs of uint16_t.
            let (offset, length) = withUnsafeBytes(of: parsed) { raw in
                let base = 4 + Int(which.rawValue) * 4
                return (
                    Int(raw.loadUnaligned(fromByteOffset: base, as: UInt16.self)),
                    Int(raw.loadUnaligned(fromByteOffset: base + 2, as: UInt16.self))
                )
            }
            return url[offset..<(offset + length)]
        }
        path = field(UF_PATH) ?? [UInt8(ascii: "/")][...]
        query = field(UF_QUERY)
        fragment = field(UF_FRAGMENT)
        host = field(UF_HOST)
        if isConnect { path = url[...] }
    }
}
