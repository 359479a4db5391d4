import LurcherConfiguration
import NIOCore

/// Reads a client's RFC 6455 frames into the messages a handler gets (``WebSocketMessage``): unmasked, fragments
/// reassembled, control frames delivered at once even between fragments, every rule checked as bytes arrive.
///
/// A value type with no NIO channel in it: the glue feeds it whatever bytes came, split anywhere, and asks for
/// the next message. It consumes only what it needs for that message and leaves the rest in the caller's buffer,
/// so a caller that stops asking (a slow handler) stops the reading there, and resumes by asking again.
///
/// **Memory bound.** The reader keeps none of the caller's buffers. It holds at most the frame header being read
/// (14 bytes), one control frame's payload (125 bytes) and the data message being reassembled, which never grows
/// past `maxMessageBytes`: a frame that would take the message past it is refused from its declared length, before
/// any of its payload is read, and the buffer's capacity is grown only up to the limit. So a connection's reader
/// holds at most `maxMessageBytes + 139` bytes (plus the allocator's rounding), however the client sends.
///
/// After a violation is thrown the reader is not to be used again: the WebSocket is closed with its code.
struct WebSocketFrameReader {
    /// The largest message, in payload bytes, a client may send; larger ones end the WebSocket with 1009.
    let maxMessageBytes: Int

    /// The frame whose payload is being read, once its header is whole.
    private struct Frame {
        /// Its first byte: FIN, RSV and opcode.
        let first: UInt8
        let mask: SIMD4<UInt8>
        /// Payload bytes still to come.
        var remaining: Int
        /// Payload bytes read so far, which says where in the masking key the next byte falls.
        var read = 0

        var isControl: Bool { first & 0x08 != 0 }
        var isFinal: Bool { first & 0x80 != 0 }
    }

    /// The header bytes of the next frame read so far.
    private var header: [UInt8] = []
    private var frame: Frame?
    /// `FLAGS` of the data message being reassembled, from its first frame; nil when none is open.
    private var messageFlags: UInt8?
    private var messagePayload: [UInt8] = []
    /// A control frame's payload, kept apart: it may arrive in the middle of a fragmented message.
    private var controlPayload: [UInt8] = []

    init(maxMessageBytes: Int = Limits().maxWebSocketMessageBytes) {
        self.maxMessageBytes = maxMessageBytes
        header.reserveCapacity(14)
    }

    /// The memory the reader holds now, in bytes of buffer capacity (the bound above).
    var heldBytes: Int { header.capacity + messagePayload.capacity + controlPayload.capacity }

    /// Reads from `input` up to the end of the next complete message and returns it, or reads all of `input` and
    /// returns nil when no message is complete yet.
    mutating func nextMessage(from input: inout ByteBuffer) throws(WebSocketViolation) -> WebSocketMessage? {
        while true {
            if frame == nil {
                guard let next = try readHeader(from: &input) else { return nil }
                frame = next
            }
            if frame!.remaining > 0 {
                guard input.readableBytes > 0 else { return nil }
                readPayload(from: &input)
            }
            if let finished = frame, finished.remaining == 0 {
                frame = nil
                if let message = try finish(finished) { return message }
            }
        }
    }

    // MARK: Header

    /// Reads header bytes until the header is whole, checking each rule as soon as the bytes that break it are in.
    private mutating func readHeader(from input: inout ByteBuffer) throws(WebSocketViolation) -> Frame? {
        while true {
            let length = try header.count < 2 ? 2 : headerLength()
            if header.count == length { break }
            guard let byte = input.readInteger(as: UInt8.self) else { return nil }
            header.append(byte)
        }
        defer { header.removeAll(keepingCapacity: true) }
        let payloadLength = try self.payloadLength()
        let first = header[0]
        if first & 0x08 == 0, payloadLength > maxMessageBytes - messagePayload.count {
            throw WebSocketViolation(code: .messageTooBig, reason: "message too big")
        }
        let key = header.count - 4
        return Frame(
            first: first, mask: SIMD4(header[key], header[key + 1], header[key + 2], header[key + 3]),
            remaining: payloadLength)
    }

    /// The whole header's length, from its first two bytes, once they pass the rules that need only them.
    private func headerLength() throws(WebSocketViolation) -> Int {
        let first = header[0], second = header[1]
        let opcode = first & 0x0F
        func violation(_ reason: String) -> WebSocketViolation { WebSocketViolation(code: .protocolError, reason: reason) }
        // No extension is negotiated (the gateway passes none on), so no RSV bit may be set (RFC 6455, 5.2).
        if first & 0x70 != 0 { throw violation("reserved bits set") }
        switch opcode {
        case 0: if messageFlags == nil { throw violation("continuation without a start") }
        case 1, 2: if messageFlags != nil { throw violation("data frame inside a fragmented message") }
        case 8, 9, 10:
            if first & 0x80 == 0 { throw violation("fragmented control frame") }
            if second & 0x7F >= 126 { throw violation("control frame too long") }
        default: throw violation("unknown opcode")
        }
        if second & 0x80 == 0 { throw violation("unmasked client frame") }
        switch second & 0x7F {
        case 126: return 2 + 2 + 4
        case 127: return 2 + 8 + 4
        default: return 2 + 4
        }
    }

    /// The declared payload length of the whole header in `header`.
    private func payloadLength() throws(WebSocketViolation) -> Int {
        let short = Int(header[1] & 0x7F)
        guard short >= 126 else { return short }
        let length = header[2..<(short == 126 ? 4 : 10)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // The 64-bit form's most significant bit must be 0 (RFC 6455, 5.2).
        if length >> 63 != 0 { throw WebSocketViolation(code: .protocolError, reason: "payload length too large") }
        return Int(length)
    }

    // MARK: Payload

    /// Unmasks as much of the current frame's payload as `input` holds onto the payload it belongs to.
    private mutating func readPayload(from input: inout ByteBuffer) {
        let count = min(frame!.remaining, input.readableBytes)
        input.readWithUnsafeReadableBytes { bytes in
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[..<count])
            if frame!.isControl {
                // The whole declared length (at most 125) at the first byte: appended a piece at a time, Array's own
                // doubling would take this buffer to twice that, past the memory bound.
                if frame!.read == 0 { controlPayload.reserveCapacity(frame!.remaining) }
                Self.appendUnmasked(chunk, to: &controlPayload, mask: frame!.mask, offset: frame!.read)
            } else {
                // Grown by doubling as bytes arrive, never past the limit: not from the declared length, so a header
                // alone allocates nothing, and not by Array's own doubling, which could overshoot the limit twofold.
                let needed = messagePayload.count + count
                if needed > messagePayload.capacity {
                    messagePayload.reserveCapacity(min(max(needed, messagePayload.capacity * 2), maxMessageBytes))
                }
                Self.appendUnmasked(chunk, to: &messagePayload, mask: frame!.mask, offset: frame!.read)
            }
            return count
        }
        frame!.remaining -= count
        frame!.read += count
    }

    private static func appendUnmasked(
        _ bytes: UnsafeRawBufferPointer, to payload: inout [UInt8], mask: SIMD4<UInt8>, offset: Int
    ) {
        let start = payload.count
        payload.append(contentsOf: bytes)
        payload.withUnsafeMutableBufferPointer { payload in
            for index in 0..<bytes.count { payload[start + index] ^= mask[(offset + index) & 3] }
        }
    }

    // MARK: Messages

    /// What a frame whose payload is all read completes: a control message, a data message, or nothing yet.
    private mutating func finish(_ frame: Frame) throws(WebSocketViolation) -> WebSocketMessage? {
        if frame.isControl {
            defer { controlPayload = [] }
            if frame.first & 0x0F == 8 { try Self.checkClose(controlPayload) }
            return WebSocketMessage(flags: frame.first, payload: controlPayload)
        }
        // A continuation's own opcode is 0: the message keeps its first frame's.
        let flags = messageFlags ?? frame.first | 0x80
        guard frame.isFinal else {
            messageFlags = flags
            return nil
        }
        messageFlags = nil
        defer { messagePayload = [] }
        // Checked on the whole message: a character may be split between fragments.
        if flags & 0x0F == 1, !Self.isUTF8(messagePayload) {
            throw WebSocketViolation(code: .invalidPayload, reason: "text message not UTF-8")
        }
        return WebSocketMessage(flags: flags, payload: messagePayload)
    }

    /// A close frame's payload is empty, or a code a peer may send (RFC 6455, 7.4) and a UTF-8 reason.
    private static func checkClose(_ payload: [UInt8]) throws(WebSocketViolation) {
        guard !payload.isEmpty else { return }
        guard payload.count >= 2 else { throw WebSocketViolation(code: .protocolError, reason: "close payload of one byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        // 1004 is reserved, and 1005, 1006 and 1015 stand for "none sent" and must never be sent.
        guard (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code) else {
            throw WebSocketViolation(code: .protocolError, reason: "invalid close code")
        }
        guard isUTF8(Array(payload.dropFirst(2))) else {
            throw WebSocketViolation(code: .invalidPayload, reason: "close reason not UTF-8")
        }
    }

    /// Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF), checked without a copy: a `String`
    /// made to validate would double a large message's memory.
    private static func isUTF8(_ bytes: [UInt8]) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
