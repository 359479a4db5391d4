internal import LurcherProtocol

/// The server frames a handler sends: whole, unmasked (servers never mask, RFC 6455, 5.1), passed to the
/// client by the gateway untouched.
enum WebSocketFrame {
    /// The most a control frame carries (RFC 6455, 5.5).
    static let maxControlPayload = 125

    /// One frame, FIN set.
    static func encode(_ opcode: WebSocketOpcode, payload: some Collection<UInt8>) -> [UInt8] {
        var frame: [UInt8] = []
        append(opcode, final: true, payload: payload, to: &frame)
        return frame
    }

    /// A data message as the frames that carry it, one after the other in one buffer: a single frame, or with
    /// `fragmentSize` a first frame and continuation frames of at most that many payload bytes, FIN on the last.
    static func message(_ message: WebSocketMessage, fragmentSize: Int?) -> [UInt8] {
        let payload = message.payload
        guard let fragmentSize, fragmentSize < payload.count else { return encode(message.opcode, payload: payload) }
        precondition(fragmentSize > 0, "a fragment carries at least one byte")
        var frames: [UInt8] = []
        frames.reserveCapacity(payload.count + 10 * (payload.count / fragmentSize + 1))
        for start in stride(from: 0, to: payload.count, by: fragmentSize) {
            let end = min(start + fragmentSize, payload.count)
            append(start == 0 ? message.opcode : .continuation, final: end == payload.count, payload: payload[start..<end], to: &frames)
        }
        return frames
    }

    /// A close frame with `code` and `reason`, the reason cut to what a control frame has room for.
    static func close(_ code: WebSocketCloseCode, reason: String = "") -> [UInt8] {
        var payload = [UInt8(code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)]
        for scalar in reason.unicodeScalars {
            let bytes = String(scalar).utf8
            guard payload.count + bytes.count <= maxControlPayload else { break }
            payload.append(contentsOf: bytes)
        }
        return encode(.close, payload: payload)
    }

    /// Appends one frame (``WebSocketServerFrame``).
    private static func append(
        _ opcode: WebSocketOpcode, final: Bool, payload: some Collection<UInt8>, to frames: inout [UInt8]
    ) {
        WebSocketServerFrame.append(first: (final ? 0x80 : 0) | opcode.rawValue, payload: payload, to: &frames)
    }
}
