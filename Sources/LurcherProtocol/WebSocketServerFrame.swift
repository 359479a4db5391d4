/// A server's WebSocket frame (RFC 6455, 5.2): unmasked, as servers always send them. Handlers send these in their
/// replies, and the gateway writes its own close frames the same way.
public enum WebSocketServerFrame {
    /// Appends one frame whose first byte is `first` (FIN, RSV and opcode), with the shortest length form: 7 bits
    /// up to 125, then 16 bits up to 65535, then 64 bits.
    @inlinable
    public static func append(first: UInt8, payload: some Collection<UInt8>, to frames: inout [UInt8]) {
        frames.append(first)
        let count = UInt64(payload.count)
        let lengthBytes: Int
        switch count {
        case ...125:
            frames.append(UInt8(count))
            lengthBytes = 0
        case ...0xFFFF:
            frames.append(126)
            lengthBytes = 2
        default:
            frames.append(127)
            lengthBytes = 8
        }
        for shift in stride(from: (lengthBytes - 1) * 8, through: 0, by: -8) {
            frames.append(UInt8(truncatingIfNeeded: count >> shift))
        }
        frames.append(contentsOf: payload)
    }
}
