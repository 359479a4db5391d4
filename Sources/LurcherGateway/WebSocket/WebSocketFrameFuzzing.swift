import NIOCore

/// The WebSocket frame reader without a connection, for the fuzz target `FrameFuzzer` (`FUZZ_TARGET=frames bench/fuzz`).
///
/// `package`, not public: it is a test seam for this package's own fuzzer, not API.
package enum WebSocketFrameFuzzing {
    /// Small, so that inputs of a few KiB reach the limit and the memory bound is exercised, not just stated.
    static let maxMessageBytes = 4096
    /// The reader's documented bound (``WebSocketFrameReader``), plus what the allocator may add to each of its
    /// three buffers: glibc hands out blocks in 16-byte steps and Swift reports the usable size as capacity.
    static let heldBytesBound = maxMessageBytes + 14 + 125 + 3 * 32

    /// Feeds the frames in `input` to a new reader in pieces cut where the input says, asking for messages after
    /// each piece as the connection does, and traps on anything the reader promises not to do.
    ///
    /// The first byte's low 3 bits say how many length bytes follow (0: the rest is one piece); the pieces take
    /// those lengths, each byte plus one, in turn until the input ends. So the fuzzer chooses the cuts, also inside
    /// headers and masking keys, and also in frames late in the input.
    package static func run(_ input: UnsafeRawBufferPointer) {
        var reader = WebSocketFrameReader(maxMessageBytes: maxMessageBytes)
        for piece in pieces(of: input) {
            var buffer = ByteBuffer(bytes: piece)
            do {
                while let message = try reader.nextMessage(from: &buffer) {
                    check(message)
                    checkHeld(reader)
                }
            } catch {
                // The connection closes with the violation's code: the reader is done, but what it held still counts.
                checkHeld(reader)
                return
            }
            checkHeld(reader)
            precondition(buffer.readableBytes == 0, "nextMessage returned nil without reading all of its input")
        }
    }

    private static func pieces(of input: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer.SubSequence] {
        guard let first = input.first else { return [] }
        let lengths = input[1..<min(1 + Int(first & 7), input.count)].map { Int($0) + 1 }
        var start = 1 + lengths.count
        guard !lengths.isEmpty else { return [input[start...]] }
        var pieces: [UnsafeRawBufferPointer.SubSequence] = []
        while start < input.count {
            let end = min(start + lengths[pieces.count % lengths.count], input.count)
            pieces.append(input[start..<end])
            start = end
        }
        return pieces
    }

    private static func check(_ message: WebSocketMessage) {
        let opcode = message.flags & 0x0F
        precondition(message.flags & 0x80 != 0, "a message without FIN: \(message.flagsText)")
        precondition(message.flags & 0x70 == 0, "RSV bits passed on though no extension is negotiated: \(message.flagsText)")
        precondition([1, 2, 8, 9, 10].contains(opcode), "a message with opcode \(opcode)")
        if opcode >= 8 {
            precondition(message.payload.count <= 125, "a control message of \(message.payload.count) bytes")
        } else {
            precondition(message.payload.count <= maxMessageBytes, "a message of \(message.payload.count) bytes")
        }
        // The standard library's transcoder, as a second opinion on the reader's own UTF-8 check.
        if opcode == 1 {
            let invalid = transcode(
                message.payload.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true, into: { _ in })
            precondition(!invalid, "a text message that is not UTF-8")
        }
    }

    private static func checkHeld(_ reader: WebSocketFrameReader) {
        precondition(reader.heldBytes <= heldBytesBound, "the reader holds \(reader.heldBytes) bytes, over \(heldBytesBound)")
    }
}
