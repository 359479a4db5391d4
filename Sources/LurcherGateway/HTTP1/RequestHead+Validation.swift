import Foundation
import LurcherProtocol

extension RequestHead {
    /// What RFC 9112 says a server must refuse in a request head, beyond what http_parser already refuses.
    ///
    /// These are the ambiguities a proxy in front of the gateway could read differently from the gateway
    /// (request smuggling), so they are refused outright rather than guessed at. http_parser itself refuses
    /// Content-Length with Transfer-Encoding, repeated or invalid Content-Length, bad chunk sizes, header
    /// lines without a colon and control characters in names and values; obsolete line folding is caught
    /// in the parser's value callback, where it is still visible.
    /// - Returns: the status to answer with, or nil when the head is acceptable.
    func violation(httpMajor: UInt16, httpMinor: UInt16) -> HTTPStatus? {
        guard httpMajor == 1 else { return .httpVersionNotSupported }
        // http_parser lets whitespace into a name ("Host : x", or a line starting with a space).
        for field in fields where field.name.isEmpty || !bytes[field.name].allSatisfy(Self.isTokenByte) {
            return .badRequest
        }
        let hosts = fields(named: Self.host)
        if hosts.count > 1 || (hosts.isEmpty && httpMinor >= 1) { return .badRequest }
        if let host = hosts.first.map({ value(of: $0) }), !host.allSatisfy(Self.isHostByte) { return .badRequest }
        let transferEncodings = values(of: "transfer-encoding")
        if !transferEncodings.isEmpty {
            // An HTTP/1.0 recipient cannot be trusted to frame a chunked body the same way (RFC 9112, 6.1).
            if httpMinor == 0 { return .badRequest }
            let codings = transferEncodings.flatMap { $0.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) }
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased() }
            // Without chunked last the body's length cannot be known; chunked twice is just as ambiguous.
            guard codings.last == "chunked", !codings.dropLast().contains("chunked") else { return .badRequest }
            if codings.count > 1 { return .notImplemented }
        }
        if let expect = value(of: "expect"), !expect.elementsEqual("100-continue".utf8, by: Self.equalIgnoringCase) {
            return .expectationFailed
        }
        return nil
    }

    private static let host = Array("host".utf8)[...]

    /// tchar (RFC 9110, 5.6.2).
    private static func isTokenByte(_ byte: UInt8) -> Bool { isAlphanumeric(byte, or: "!#$%&'*+-.^_`|~") }

    /// The characters of uri-host and port (RFC 3986): reg-name, IP literals, percent-encoding, a colon.
    private static func isHostByte(_ byte: UInt8) -> Bool { isAlphanumeric(byte, or: "-._~!$&'()*+,;=:[]%") }

    private static func isAlphanumeric(_ byte: UInt8, or others: StaticString) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            UnsafeBufferPointer(start: others.utf8Start, count: others.utf8CodeUnitCount).contains(byte)
        }
    }

    private static func equalIgnoringCase(_ byte: UInt8, _ lowercase: UInt8) -> Bool {
        (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) == lowercase
    }
}
