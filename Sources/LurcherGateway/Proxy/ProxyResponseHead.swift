import NIOCore
import NIOHTTP1

/// The head a proxy route sends its client, made from the backend's: the backend's status and headers without the
/// hop-by-hop ones, framed for this client, since the backend's framing described the backend's connection.
struct ProxyResponseHead {
    /// How the body goes to the client.
    enum Framing: Equatable {
        /// As the backend sent it: there is none, or the backend gave its length.
        case asSent
        /// In chunks the gateway makes, for an HTTP/1.1 client, when the backend gave no length.
        case chunked
        /// Until the connection closes, for an HTTP/1.0 client, when the backend gave no length.
        case untilClose
    }

    var status: Int
    /// The status line and headers, ready to write.
    var bytes: ByteBuffer
    var framing: Framing
    /// Whether the client's connection may carry another request after this response.
    var keepAlive: Bool
    /// Whether the backend lets its connection carry another request (HTTP/1.1's default, or `keep-alive`).
    var backendKeepAlive: Bool

    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// - Parameters:
    ///   - clientKeepAlive: the client's request lets its connection go on.
    init(_ head: HTTPResponseHead, for request: ProxyRequest, clientKeepAlive: Bool, allocator: ByteBufferAllocator) {
        status = Int(head.status.code)
        let switching = status == 101
        let hasBody = !request.isHead && status >= 200 && status != 204 && status != 304
        let hasLength = head.headers.contains(name: "content-length") && !head.headers.contains(name: "transfer-encoding")
        framing = !hasBody || hasLength ? .asSent : request.clientTakesChunked ? .chunked : .untilClose
        keepAlive = clientKeepAlive && framing != .untilClose && !switching
        backendKeepAlive = head.isKeepAlive && !switching
        var connectionNamed = Set<String>()
        for value in head.headers[canonicalForm: "connection"] { connectionNamed.insert(value.lowercased()) }

        var bytes = allocator.buffer(capacity: 256)
        bytes.writeString("HTTP/1.1 \(status) \(head.status.reasonPhrase)\r\n")
        for (name, value) in head.headers {
            let lowercased = name.lowercased()
            if Self.hopByHop.contains(lowercased) || connectionNamed.contains(lowercased) { continue }
            // A length the backend sent with a chunked body is the smuggling RFC 9112 6.3 warns of: not passed on.
            if lowercased == "content-length", framing != .asSent || head.headers.contains(name: "transfer-encoding") { continue }
            bytes.writeString("\(name): \(value)\r\n")
        }
        if switching {
            for value in head.headers["upgrade"] { bytes.writeString("Upgrade: \(value)\r\n") }
            bytes.writeString("Connection: upgrade\r\n")
        } else if framing == .chunked {
            bytes.writeString("Transfer-Encoding: chunked\r\n")
        }
        if !switching {
            if !keepAlive {
                bytes.writeString("Connection: close\r\n")
            } else if !request.clientTakesChunked {
                bytes.writeString("Connection: keep-alive\r\n")
            }
        }
        bytes.writeString("\r\n")
        self.bytes = bytes
    }
}
