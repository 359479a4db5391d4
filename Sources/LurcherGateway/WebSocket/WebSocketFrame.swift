import LurcherProtocol

/// Frames a gateway writes to a client itself: the close frames that end a WebSocket on its own account
/// (a protocol violation, a handler that died or stopped). Handlers' frames pass through untouched.
enum WebSocketFrame {
    /// One whole server frame whose first byte is `flags` (``WebSocketServerFrame``).
    static func encode(flags: UInt8, payload: some Collection<UInt8>) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(10 + payload.count)
        WebSocketServerFrame.append(first: flags, payload: payload, to: &frame)
        return frame
    }

    /// A close frame with `code` and `reason`, which must be short ASCII: a control frame carries at most 125 bytes,
    /// two of them the code.
    static func close(_ code: WebSocketCloseCode, reason: String) -> [UInt8] {
        precondition(reason.utf8.count <= 123, "a close reason must fit a control frame")
        return encode(flags: 0x88, payload: [UInt8(code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)] + Array(reason.utf8))
    }
}
