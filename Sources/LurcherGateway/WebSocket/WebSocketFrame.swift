/// Frames the gateway writes to a client itself: the close frames that end a WebSocket on its own account
/// (a protocol violation, a handler that died or stopped). Handlers' frames pass through untouched.
enum WebSocketFrame {
    /// One whole, unmasked server frame (servers never mask, RFC 6455, 5.1) whose first byte is `flags`, with the
    /// shortest length form: 7 bits up to 125, then 16 bits up to 65535, then 64 bits.
    static func encode(flags: UInt8, payload: some Collection<UInt8>) -> [UInt8] {
        var frame: [UInt8] = [flags]
        frame.reserveCapacity(10 + payload.count)
        switch payload.count {
        case ...125:
            frame.append(UInt8(payload.count))
        case ...0xFFFF:
            frame.append(126)
            appendBigEndian(UInt64(payload.count), bytes: 2, to: &frame)
        default:
            frame.append(127)
            appendBigEndian(UInt64(payload.count), bytes: 8, to: &frame)
        }
        frame.append(contentsOf: payload)
        return frame
    }

    /// A close frame with `code` and `reason`, which must be short ASCII: a control frame carries at most 125 bytes,
    /// two of them the code.
    static func close(_ code: WebSocketCloseCode, reason: String) -> [UInt8] {
        precondition(reason.utf8.count <= 123, "a close reason must fit a control frame")
        var payload: [UInt8] = []
        appendBigEndian(UInt64(code.rawValue), bytes: 2, to: &payload)
        payload.append(contentsOf: reason.utf8)
        return encode(flags: 0x88, payload: payload)
    }

    private static func appendBigEndian(_ value: UInt64, bytes: Int, to frame: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
}
