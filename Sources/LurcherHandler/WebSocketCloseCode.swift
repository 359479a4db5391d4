/// A WebSocket close status code (RFC 6455, 7.4), as sent by ``WebSocket/close(_:reason:)``.
public struct WebSocketCloseCode: RawRepresentable, Sendable, Hashable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// 1000: the session is done. Sent when the session closure returns.
    public static var normalClosure: Self { .init(rawValue: 1000) }
    /// 1001: the server is stopping, or the session was cancelled.
    public static var goingAway: Self { .init(rawValue: 1001) }
    /// 1002: the client broke the protocol (here: RSV bits set, though no extension was negotiated).
    public static var protocolError: Self { .init(rawValue: 1002) }
    /// 1003: the session cannot take this kind of message (binary, say).
    public static var unsupportedData: Self { .init(rawValue: 1003) }
    /// 1007: a text message that is not UTF-8.
    public static var invalidPayload: Self { .init(rawValue: 1007) }
    /// 1008: the message breaks the application's policy.
    public static var policyViolation: Self { .init(rawValue: 1008) }
    /// 1009: the message is too big to take.
    public static var messageTooBig: Self { .init(rawValue: 1009) }
    /// 1011: the session closure threw.
    public static var internalError: Self { .init(rawValue: 1011) }
    /// 1012: the handler is restarting; the client should reconnect. Sent to the WebSockets still open when a
    /// stop's drain timeout ends.
    public static var serviceRestart: Self { .init(rawValue: 1012) }
}
