/// A request as a handler receives it, decoded by `WireRequest.decode(_:)`.
public struct DecodedRequest: Sendable, Equatable {
    /// The `send_ident` of the handler the gateway addressed.
    public var sender: String
    /// The gateway's id for the client connection; replies go to it.
    public var connectionID: UInt64
    /// The URL path, or `@*` for an event such as a disconnect.
    public var path: String
    /// The headers, including the gateway's own keys (`METHOD`, `VERSION`,
    /// `URI`, `PATH`, `QUERY`, `PATTERN`, ...). Client header names are
    /// lowercase.
    public var headers: [String: HeaderValue]
    /// How the headers were encoded on the wire.
    public var headerEncoding: HeaderEncoding
    /// The request body; empty when there is none.
    public var body: [UInt8]

    /// Creates a request from its parts.
    public init(
        sender: String,
        connectionID: UInt64,
        path: String,
        headers: [String: HeaderValue],
        headerEncoding: HeaderEncoding,
        body: [UInt8]
    ) {
        self.sender = sender
        self.connectionID = connectionID
        self.path = path
        self.headers = headers
        self.headerEncoding = headerEncoding
        self.body = body
    }

    /// The (first) value of the header `name`, matched exactly.
    public subscript(header name: String) -> String? {
        headers[name]?.first
    }
}
