internal import LurcherProtocol

/// A request from a client, as the gateway forwarded it.
public struct Request: Sendable {
    /// The HTTP method, such as `GET` (the gateway's `METHOD` header).
    public var method: String
    /// The URL path without the query, such as `/hello/world`.
    public var path: String
    /// The query string without the `?`, or nil when the URL had none.
    public var query: String?
    /// The request target as the client sent it (the gateway's `URI` header).
    public var uri: String
    /// The HTTP version, such as `HTTP/1.1`.
    public var version: String
    /// Every header, including the gateway's own keys.
    public var headers: RequestHeaders
    /// The body; empty when there is none.
    public var body: [UInt8]
    /// The gateway's id for the client connection; replies are addressed to it.
    public var connectionID: UInt64
    /// The identity of the gateway's handler (`send_ident`). Replies start
    /// with it, because the gateway subscribes to its own identity.
    public var sender: String

    /// Creates a request, such as a test's.
    public init(
        method: String = "GET",
        path: String = "/",
        query: String? = nil,
        uri: String? = nil,
        version: String = "HTTP/1.1",
        headers: RequestHeaders = RequestHeaders(),
        body: [UInt8] = [],
        connectionID: UInt64 = 0,
        sender: String = "test"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.uri = uri ?? (query.map { "\(path)?\($0)" } ?? path)
        self.version = version
        self.headers = headers
        self.body = body
        self.connectionID = connectionID
        self.sender = sender
    }

    /// The first value of header `name`, ignoring case.
    public func header(_ name: String) -> String? {
        headers[name]
    }

    /// The body as UTF-8 text, with invalid bytes replaced.
    public var bodyString: String {
        String(decoding: body, as: UTF8.self)
    }

    /// Whether the response to this request must leave its body out (a HEAD request).
    public var isHead: Bool { method == "HEAD" }
}

extension Request {
    /// Builds the request from a decoded wire message. The gateway always
    /// sends `METHOD`; should it be missing, the request counts as a GET.
    init(_ decoded: DecodedRequest) {
        let query = decoded[header: "QUERY"]
        self.init(
            method: decoded[header: "METHOD"] ?? "GET",
            path: decoded.path,
            query: query,
            uri: decoded[header: "URI"],
            version: decoded[header: "VERSION"] ?? "HTTP/1.1",
            headers: RequestHeaders(decoded: decoded.headers),
            body: decoded.body,
            connectionID: decoded.connectionID,
            sender: decoded.sender
        )
    }
}
