import LurcherProtocol

/// One of the short error pages the gateway answers with on a handler's behalf or for bad input.
///
/// Bodies are fixed text: nothing from the request is ever echoed, so nothing needs escaping. The sizes are
/// known without the bytes, so a connection can account for the response before its writer renders it.
struct CannedResponse: Equatable {
    var status: HTTPStatus
    /// Adds `Connection: close`, for when the stream cannot continue.
    var close: Bool
    /// Pre-formatted header lines (`Name: value`), such as `Retry-After` or `Allow`.
    var extraHeaders: [String] = []
    /// False for answers to HEAD.
    var includeBody = true

    /// The body, also counted in Content-Length when it is left out for HEAD.
    private var body: String { "\(status.code) \(status.reasonPhrase)\n" }

    /// The status line and headers, with `date` as the Date header.
    func head(date: String) -> String {
        var head = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        head += "Date: \(date)\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\n"
        head += "Content-Length: \(body.utf8.count)\r\n"
        for line in extraHeaders { head += line + "\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        return head
    }

    /// The whole response as it goes out, dated now.
    func encoded() -> String {
        let head = head(date: HTTPDate.now())
        return includeBody ? head + body : head
    }

    /// The length of the head: every Date the gateway writes (IMF-fixdate) is as long as this one.
    var headByteCount: Int { head(date: "Sun, 06 Nov 1994 08:49:37 GMT").utf8.count }

    var bodyByteCount: Int { includeBody ? body.utf8.count : 0 }
}
