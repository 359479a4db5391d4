/// What HTTP/1 hands the WebSocket room when a handler answers a handshake with 101.
struct WebSocketHandOver {
    /// Encodes the WebSocket's messages for the handler that accepted it.
    var messages: WebSocketMessageEncoder
    /// The handshake, followed for the access log: it is reported, status 101, when the WebSocket closes, with
    /// the WebSocket's duration and bytes.
    var exchange: Exchange?
    /// Handlers that had requests of this connection; they hear when it closes.
    var handlers: [Int]
    /// The last token HTTP/1 used: the WebSocket's tokens follow it, so a late event about an HTTP request is
    /// never taken for one about a message.
    var lastToken: UInt64
}
