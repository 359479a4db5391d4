import NIOCore

/// The short error pages the gateway answers with on a handler's behalf or for bad input.
///
/// Bodies are fixed text: nothing from the request is ever echoed, so nothing needs escaping.
enum CannedResponse {
    /// Writes a complete response for `status` into a new buffer.
    /// - Parameters:
    ///   - close: adds `Connection: close`, for when the stream cannot continue.
    ///   - extraHeaders: pre-formatted header lines (`Name: value`), such as `Retry-After` or `Allow`.
    ///   - includeBody: false for answers to HEAD.
    static func make(
        _ status: HTTPStatus,
        close: Bool,
        extraHeaders: [String] = [],
        includeBody: Bool = true,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let body = "\(status.rawValue) \(status.reasonPhrase)\n"
        var head = "HTTP/1.1 \(status.rawValue) \(status.reasonPhrase)\r\n"
        head += "Date: \(HTTPDate.now())\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\n"
        head += "Content-Length: \(body.utf8.count)\r\n"
        for line in extraHeaders { head += line + "\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        var buffer = allocator.buffer(capacity: head.utf8.count + body.utf8.count)
        buffer.writeString(head)
        if includeBody { buffer.writeString(body) }
        return buffer
    }
}
