/// A WebSocket frame's opcode (RFC 6455, 5.2), and the `FLAGS` header the gateway gives each message.
enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA
}

/// Mongrel2's `FLAGS` header of a `WEBSOCKET` message: the first byte of the message's first frame, FIN set,
/// written `0x` and upper-case hex (`0x81` text, `0x88` close). The gateway has reassembled fragments, so the
/// opcode is never a continuation from a well-behaved gateway.
struct WebSocketFlags: Sendable, Equatable {
    /// The byte itself.
    let byte: UInt8

    /// Reads the header; nil unless it is `0x` (or `0X`) and one or two hex digits.
    init?(header: String) {
        let digits = header.dropFirst(2)
        guard header.hasPrefix("0x") || header.hasPrefix("0X"), (1...2).contains(digits.count),
            digits.allSatisfy(\.isHexDigit), let byte = UInt8(digits, radix: 16)
        else { return nil }
        self.byte = byte
    }

    /// RSV1 to RSV3: set only by an extension, and this library negotiates none.
    var reservedBits: UInt8 { byte & 0x70 }

    /// The opcode; nil for one RFC 6455 reserves.
    var opcode: WebSocketOpcode? { WebSocketOpcode(rawValue: byte & 0x0F) }
}
