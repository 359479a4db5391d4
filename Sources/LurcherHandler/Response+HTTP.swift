extension Response {
    /// Whether this status never has a body (RFC 9110: 1xx, 204, 304).
    var statusForbidsBody: Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }

    /// The whole response as HTTP/1.1 bytes, for a complete (non-stream) body.
    ///
    /// - Parameter head: the request was HEAD: keep `Content-Length`, leave the body out.
    func serialized(bytes body: [UInt8], head: Bool) -> [UInt8] {
        let sendsBody = !statusForbidsBody
        var out = statusAndHeaders(framing: sendsBody ? .length(body.count) : .none, extra: body.count)
        if sendsBody && !head { out.append(contentsOf: body) }
        return out
    }

    /// The status line and headers of a streamed response, ending in the blank line.
    func serializedStreamHead() -> [UInt8] {
        statusAndHeaders(framing: statusForbidsBody ? .none : .chunked, extra: 0)
    }

    private enum Framing {
        case none
        case length(Int)
        case chunked
    }

    private func statusAndHeaders(framing: Framing, extra: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + headers.count * 40 + extra)
        let code = (100...999).contains(status) ? status : 500
        out.append(contentsOf: "HTTP/1.1 \(code) \(HTTPReasonPhrase.phrase(for: code))\r\n".utf8)
        for field in headers {
            // The gateway sets the framing; a responder's own would contradict it.
            let lowercased = field.name.lowercased()
            if lowercased == "content-length" || lowercased == "transfer-encoding" { continue }
            Self.appendHeader(field.name, field.value, to: &out)
        }
        switch framing {
        case .none: break
        case .length(let count): Self.appendHeader("Content-Length", String(count), to: &out)
        case .chunked: Self.appendHeader("Transfer-Encoding", "chunked", to: &out)
        }
        out.append(contentsOf: [13, 10])
        return out
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
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
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
