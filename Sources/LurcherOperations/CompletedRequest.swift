import Glibc

/// What the client asked, as the access log and events show it.
public struct RequestLine: Sendable {
    public var method: String
    /// The request target as sent, query included.
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// The Host header, empty when there was none.
    public var host: String
    public var referer: String
    public var userAgent: String
    /// The route pattern that matched, empty when none did.
    public var route: String

    public init(
        method: String, target: String, version: String, host: String = "", referer: String = "",
        userAgent: String = "", route: String = ""
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.host = host
        self.referer = referer
        self.userAgent = userAgent
        self.route = route
    }
}

/// One answered request: what was asked, what was sent back, and how long it took.
public struct CompletedRequest: Sendable {
    public var connectionID: UInt64
    public var remoteAddress: String
    /// Nil when the request could not be parsed far enough to say (it was answered 400 or the like).
    public var request: RequestLine?
    /// The status sent, or ``CompletedRequest/clientClosed`` when the client went away before any was.
    public var status: Int
    /// Every byte written for the response, head and body.
    public var bytesSent: Int
    /// The bytes of the response body alone.
    public var bodyBytesSent: Int
    /// When the gateway began answering, in wall-clock time.
    public var startedAt: timespec
    /// From beginning to answer until the last byte was handed to the socket.
    public var duration: Duration

    /// The status logged for a client that closed before an answer began, after nginx's convention.
    public static let clientClosed = 499

    public init(
        connectionID: UInt64, remoteAddress: String, request: RequestLine?, status: Int, bytesSent: Int,
        bodyBytesSent: Int, startedAt: timespec, duration: Duration
    ) {
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.request = request
        self.status = status
        self.bytesSent = bytesSent
        self.bodyBytesSent = bodyBytesSent
        self.startedAt = startedAt
        self.duration = duration
    }

    /// The route for metrics labels: the pattern, or `none`.
    var routeLabel: String {
        guard let route = request?.route, !route.isEmpty else { return "none" }
        return route
    }
}

extension timespec {
    /// The wall-clock time now.
    public static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }
}
