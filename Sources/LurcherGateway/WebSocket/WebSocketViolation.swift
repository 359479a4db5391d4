/// The close codes the gateway sends on its own account (RFC 6455, 7.4.1). Handlers choose their own codes; these
/// are only for frames the gateway writes when it ends a WebSocket itself.
enum WebSocketCloseCode: UInt16, Sendable {
    /// The gateway is closing the WebSocket on its own account: it was idle past `timeouts.websocket_idle`.
    case goingAway = 1001
    /// A frame broke RFC 6455's rules.
    case protocolError = 1002
    /// A text message was not UTF-8.
    case invalidPayload = 1007
    /// A message was larger than `max_websocket_message_bytes`.
    case messageTooBig = 1009
    /// The handler process holding the WebSocket died.
    case internalError = 1011
    /// The handler process holding the WebSocket stopped; a client should reconnect.
    case serviceRestart = 1012
    /// No handler took a message within `timeouts.hold`.
    case tryAgainLater = 1013
}

/// Why a client's frames cannot be read on: the gateway closes the WebSocket with `code`, saying `reason`.
struct WebSocketViolation: Error, Equatable {
    let code: WebSocketCloseCode
    /// Short ASCII, for the close frame's reason.
    let reason: String
}
