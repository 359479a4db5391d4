internal import LurcherProtocol
extension Response {
    /// Whether this status never has a body (RFC 9110: 1xx, 204, 304).
    var statusForbidsBody: Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }

    /// Appends the whole response as HTTP/1.1 bytes, for a complete (non-stream) body, to `out`, such as after a
    /// reply's framing.
    ///
    /// - Parameter head: the request was HEAD: keep `Content-Length`, leave the body out.
    func serialize(bytes body: [UInt8], head: Bool, to out: inout [UInt8]) {
        let sendsBody = !statusForbidsBody
        appendStatusAndHeaders(framing: sendsBody ? .length(body.count) : .none, to: &out)
        if sendsBody && !head { out.append(contentsOf: body) }
    }

    /// At least the number of bytes ``serialize(bytes:head:to:)`` writes, so that its buffer is allocated once.
    func serializedCapacity(bodyCount: Int) -> Int {
        // The status line, the framing header and the blank line take at most 86 bytes.
        headers.reduce(96 + bodyCount) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }

    /// The status line and headers of a streamed response, ending in the blank line.
    func serializedStreamHead() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(serializedCapacity(bodyCount: 0))
        appendStatusAndHeaders(framing: statusForbidsBody ? .none : .chunked, to: &out)
        return out
    }

    private enum Framing {
        case none
        case length(Int)
        case chunked
    }

    private func appendStatusAndHeaders(framing: Framing, to out: inout [UInt8]) {
        let code = (100...999).contains(status) ? status : 500
        // Appended piece by piece: an interpolated status line would cost two allocations per response.
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        out.append(contentsOf: String(code).utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: HTTPStatus(code).reasonPhrase.utf8)
        out.append(contentsOf: [13, 10])
        for field in headers {
            // The gateway sets the framing; a responder's own would contradict it.
            if Self.isFramingHeader(field.name) { continue }
            Self.appendHeader(field.name, field.value, to: &out)
        }
        switch framing {
        case .none: break
        case .length(let count): Self.appendHeader("Content-Length", String(count), to: &out)
        case .chunked: Self.appendHeader("Transfer-Encoding", "chunked", to: &out)
        }
        out.append(contentsOf: [13, 10])
    }

    /// Whether `name` is Content-Length or Transfer-Encoding, in any case.
    private static func isFramingHeader(_ name: String) -> Bool {
        name.equalsIgnoringASCIICase("content-length") || name.equalsIgnoringASCIICase("transfer-encoding")
    }

    /// Writes `name: value` CRLF. Bytes that would end the line or the name
    /// early are replaced, so no header can smuggle in another.
    private static func appendHeader(_ name: String, _ value: String, to out: inout [UInt8]) {
        for byte in name.utf8 {
            out.append(isTokenByte(byte) ? byte : UInt8(ascii: "-"))
        }
        out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
        for byte in value.utf8 {
            out.append(byte == 13 || byte == 10 || byte == 0 ? UInt8(ascii: " ") : byte)
        }
        out.append(contentsOf: [13, 10])
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// HTTP/1.1 chunked framing.
enum ChunkedEncoding {
    /// The last chunk and the end of the message.
    static let terminator: [UInt8] = Array("0\r\n\r\n".utf8)

    /// One chunk: the size in hex, CRLF, the data, CRLF. `data` must not be empty.
    static func chunk(_ data: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 12)
        out.append(contentsOf: String(data.count, radix: 16).utf8)
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: data)
        out.append(contentsOf: [13, 10])
        return out
    }
}

extension String {
    /// Whether this is `lowercase` with any ASCII letters in either case; unlike comparing `lowercased()`
    /// copies, it allocates nothing for a long name.
    fileprivate func equalsIgnoringASCIICase(_ lowercase: String) -> Bool {
        utf8.count == lowercase.utf8.count
            && zip(utf8, lowercase.utf8).allSatisfy { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }
    }
}
