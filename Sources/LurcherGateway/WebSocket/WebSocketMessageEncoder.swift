import LurcherProtocol

/// Writes each message of one WebSocket as the Mongrel2 request a handler gets: the handshake's headers again,
/// `METHOD` `WEBSOCKET`, `FLAGS`, and the unmasked payload as the body.
///
/// Made once from the handshake (``HandlerRequestEncoder/webSocketHandshake(for:target:pattern:accept:to:)``),
/// which encodes the headers once; each message then only adds its two keys.
struct WebSocketMessageEncoder: Sendable {
    /// The handler the handshake went to, which every message goes to.
    let handler: Int
    private let messages: FollowUpMessages
    /// The handshake's headers and the gateway's keys, without `METHOD`.
    private let headers: RequestHeadersWriter

    init(handler: Int, messages: FollowUpMessages, headers: RequestHeadersWriter) {
        self.handler = handler
        self.messages = messages
        self.headers = headers
    }

    /// The request message for `message`.
    func encode(_ message: WebSocketMessage) -> [UInt8] {
        var headers = self.headers
        headers.append(name: Self.method, value: Self.webSocket)
        headers.append(name: Self.flags, value: message.flagsText.utf8)
        return messages.message(headers: headers, body: message.payload)
    }

    private static let method = Array("METHOD".utf8)
    private static let webSocket = Array("WEBSOCKET".utf8)
    private static let flags = Array("FLAGS".utf8)
}
