import Glibc
import LurcherOperations

/// One request being answered, followed for the access log, metrics and events: what was asked, and what has
/// been sent back so far.
struct Exchange {
    let request: RequestLine?
    /// When answering began, on the connection's clock (time since an arbitrary origin).
    let started: Duration
    /// The status sent, once a response head has been; 0 before.
    private(set) var status = 0
    /// Every byte sent for the response so far, head and body.
    private(set) var bytes = 0
    /// The bytes of the response body alone.
    private(set) var bodyBytes = 0

    init(_ request: RequestLine?, started: Duration) {
        self.request = request
        self.started = started
    }

    /// A response head went out.
    mutating func sentHead(status: Int, bytes: Int) {
        self.status = status
        self.bytes += bytes
    }

    /// Body bytes went out.
    mutating func sentBody(bytes: Int) {
        self.bytes += bytes
        bodyBytes += bytes
    }

    /// The finished exchange, at `now`; a response that never began counts as the client having gone away.
    func completed(connectionID: UInt64, remoteAddress: String, now: Duration) -> CompletedRequest {
        let duration = now - started
        var startedAt = timespec.now()
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(attoseconds / 1_000_000_000)
        startedAt.tv_sec -= Int(seconds)
        startedAt.tv_nsec -= nanoseconds
        if startedAt.tv_nsec < 0 {
            startedAt.tv_nsec += 1_000_000_000
            startedAt.tv_sec -= 1
        }
        return CompletedRequest(
            connectionID: connectionID, remoteAddress: remoteAddress, request: request,
            status: status == 0 ? CompletedRequest.clientClosed : status, bytesSent: bytes, bodyBytesSent: bodyBytes,
            startedAt: startedAt, duration: duration)
    }
}
