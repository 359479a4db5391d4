/// The protocol side of one WebSocket session, without sockets or tasks: what each message the gateway forwards
/// and each close asks for. A value, so tests drive it directly; ``WebSocket`` does what it says.
///
/// The gateway (Mongrel2 1.12 and Lurcher alike) never answers a ping or a close itself, so this does: a ping
/// gets a pong with its payload, a close gets its code echoed and then the empty reply that closes TCP.
struct WebSocketSessionState: Sendable {
    /// What a message or a close asks the library to do, in order.
    enum Action: Sendable, Equatable {
        /// Hand the message to the session's ``WebSocket/messages``.
        case deliver(WebSocketMessage)
        /// Send these frames to the client.
        case send([UInt8])
        /// Send the empty reply: the gateway closes the connection once what was queued is written.
        case closeConnection
    }

    /// Whether frames may still go both ways: false after either side closed or the client went away.
    private(set) var isOpen = true

    /// What to do with one `WEBSOCKET` message: its `FLAGS` header and its (unmasked, reassembled) payload.
    /// Anything after the close is dropped.
    mutating func receive(flags header: String?, payload: [UInt8]) -> [Action] {
        guard isOpen else { return [] }
        // No extension is negotiated, so a set RSV bit is a protocol error (RFC 6455, 5.2), as is an opcode the
        // gateway should never pass (a continuation) or one the RFC reserves.
        guard let flags = header.flatMap(WebSocketFlags.init(header:)), flags.reservedBits == 0,
            let opcode = flags.opcode
        else { return close(.protocolError) }
        switch opcode {
        case .text:
            guard let text = String(validating: payload, as: UTF8.self) else { return close(.invalidPayload) }
            return [.deliver(.text(text))]
        case .binary:
            return [.deliver(.binary(payload))]
        case .ping:
            return [.send(WebSocketFrame.encode(.pong, payload: payload))]
        case .pong:
            return []
        case .close:
            // A close body is empty or starts with the two-byte code; one byte is malformed.
            guard payload.count != 1 else { return close(.protocolError) }
            isOpen = false
            return [.send(WebSocketFrame.encode(.close, payload: payload.prefix(2))), .closeConnection]
        case .continuation:
            return close(.protocolError)
        }
    }

    /// The handler closes: a close frame with `code`, then the empty reply. Nothing once closed.
    mutating func close(_ code: WebSocketCloseCode, reason: String = "") -> [Action] {
        guard isOpen else { return [] }
        isOpen = false
        return [.send(WebSocketFrame.close(code, reason: reason)), .closeConnection]
    }

    /// The gateway said the client went away: nothing more can be sent.
    mutating func clientLeft() {
        isOpen = false
    }
}
