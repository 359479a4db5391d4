/// One whole WebSocket message, as a session receives it from ``WebSocket/messages`` and sends it with
/// ``WebSocket/send(_:fragmentSize:)``.
///
/// Only data messages: the library answers pings and the close handshake itself, so a session never sees
/// control frames.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message (opcode 1); the library closes with 1007 a client text that is not UTF-8.
    case text(String)
    /// A binary message (opcode 2).
    case binary([UInt8])

    /// The opcode of the message's first frame.
    var opcode: WebSocketOpcode {
        switch self {
        case .text: .text
        case .binary: .binary
        }
    }

    /// The payload as it goes on the wire.
    var payload: [UInt8] {
        switch self {
        case .text(let text): Array(text.utf8)
        case .binary(let bytes): bytes
        }
    }
}
