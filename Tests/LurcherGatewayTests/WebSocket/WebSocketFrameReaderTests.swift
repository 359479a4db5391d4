import NIOCore
import Testing

@testable import LurcherGateway

/// The reader turns client frames, split anywhere, into Mongrel2's messages, and ends a WebSocket that breaks a rule
/// with the close code RFC 6455 asks for.
@Suite struct WebSocketFrameReaderTests {
    /// Every message in `bytes` fed in pieces of `chunk` bytes, asking after each piece until none is complete.
    private func messages(
        _ bytes: [UInt8], chunk: Int = .max, reader: inout WebSocketFrameReader
    ) throws(WebSocketViolation) -> [WebSocketMessage] {
        var messages: [WebSocketMessage] = []
        for start in stride(from: 0, to: bytes.count, by: min(chunk, max(bytes.count, 1))) {
            var piece = ByteBuffer(bytes: bytes[start..<min(start + chunk, bytes.count)])
            while let message = try reader.nextMessage(from: &piece) { messages.append(message) }
            #expect(piece.readableBytes == 0, "a piece with no complete message left is read whole")
        }
        return messages
    }

    private func messages(_ bytes: [UInt8], chunk: Int = .max, limit: Int = 1 << 20) throws(WebSocketViolation)
        -> [WebSocketMessage]
    {
        var reader = WebSocketFrameReader(maxMessageBytes: limit)
        return try messages(bytes, chunk: chunk, reader: &reader)
    }

    private func message(_ flags: UInt8, _ text: String) -> WebSocketMessage {
        WebSocketMessage(flags: flags, payload: Array(text.utf8))
    }

    /// The close code reading `bytes` ends with, nil if none.
    private func violation(_ bytes: [UInt8], limit: Int = 1 << 20) -> WebSocketCloseCode? {
        do {
            _ = try messages(bytes, limit: limit)
            return nil
        } catch {
            return error.code
        }
    }

    // MARK: Frames and messages

    @Test func rfc6455sMaskedHelloIsATextMessage() throws {
        let hello: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        #expect(try messages(hello) == [message(0x81, "Hello")])
    }

    @Test(arguments: [(0x81, "0x81"), (0x82, "0x82"), (0x88, "0x88"), (0x89, "0x89"), (0x8A, "0x8A"), (0xC1, "0xC1")]
        as [(UInt8, String)])
    func flagsAreWrittenAsMongrel2Does(flags: UInt8, text: String) {
        #expect(WebSocketMessage(flags: flags, payload: []).flagsText == text)
    }

    @Test(arguments: [0, 125, 126, 65535, 65536, 1 << 20])
    func everyLengthFormIsRead(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let frame = ClientFrame.masked(0x82, payload)
        let lengthBytes = length <= 125 ? 0 : length <= 65535 ? 2 : 8
        #expect(frame.count == 2 + lengthBytes + 4 + length)
        #expect(try messages(frame) == [WebSocketMessage(flags: 0x82, payload: payload)])
        #expect(try messages(frame, chunk: 1000) == [WebSocketMessage(flags: 0x82, payload: payload)])
    }

    @Test func controlFramesComeAtOnceBetweenFragmentsAndTheMessageIsReassembled() throws {
        // Mongrel2's capture: "par" + "t1" + "t2" with a ping in between.
        let frames =
            ClientFrame.masked(0x01, "par") + ClientFrame.masked(0x89, "ping") + ClientFrame.masked(0x00, "t1")
            + ClientFrame.masked(0x80, "t2")
        #expect(try messages(frames) == [message(0x89, "ping"), message(0x81, "part1t2")])
    }

    @Test func aFragmentedBinaryMessageKeepsItsOpcode() throws {
        let frames = ClientFrame.masked(0x02, [1, 2]) + ClientFrame.masked(0x80, [3])
        #expect(try messages(frames) == [WebSocketMessage(flags: 0x82, payload: [1, 2, 3])])
    }

    @Test func aCharacterSplitBetweenFragmentsIsValidUTF8() throws {
        let frames = ClientFrame.masked(0x01, [0x63, 0xC3]) + ClientFrame.masked(0x80, [0xA9])
        #expect(try messages(frames) == [message(0x81, "cé")])
    }

    @Test func emptyFramesAndACloseWithItsCodeAreMessages() throws {
        let frames =
            ClientFrame.masked(0x81, []) + ClientFrame.masked(0x01, []) + ClientFrame.masked(0x80, [])
            + ClientFrame.masked(0x8A, []) + ClientFrame.masked(0x88, [0x03, 0xE8] + Array("bye".utf8))
        #expect(
            try messages(frames) == [
                message(0x81, ""), message(0x81, ""), message(0x8A, ""),
                WebSocketMessage(flags: 0x88, payload: [0x03, 0xE8] + Array("bye".utf8)),
            ])
    }

    /// A few frames of every kind: a message in three fragments with a ping inside, 16-bit lengths, a close.
    private static let mixed =
        ClientFrame.masked(0x01, "frag") + ClientFrame.masked(0x89, "p") + ClientFrame.masked(0x00, [UInt8](repeating: 0x61, count: 130))
        + ClientFrame.masked(0x80, "end") + ClientFrame.masked(0x82, [0, 1, 2, 3, 4]) + ClientFrame.masked(0x88, [0x03, 0xE8])

    @Test func aStreamSplitAtAnyByteGivesTheSameMessages() throws {
        let whole = try messages(Self.mixed)
        #expect(whole.count == 4)
        for split in 0...Self.mixed.count {
            var reader = WebSocketFrameReader()
            let got =
                try messages(Array(Self.mixed[..<split]), reader: &reader)
                + messages(Array(Self.mixed[split...]), reader: &reader)
            #expect(got == whole, "split at \(split)")
        }
        #expect(try messages(Self.mixed, chunk: 1) == whole)
    }

    @Test func aCallerThatStopsAskingKeepsTheRestOfItsBytes() throws {
        let second = ClientFrame.masked(0x82, [9])
        var input = ByteBuffer(bytes: ClientFrame.masked(0x81, "one") + second + ClientFrame.masked(0x81, "three"))
        var reader = WebSocketFrameReader()
        #expect(try reader.nextMessage(from: &input) == message(0x81, "one"))
        let rest = input.readableBytes
        #expect(try reader.nextMessage(from: &input) == WebSocketMessage(flags: 0x82, payload: [9]))
        #expect(rest - input.readableBytes == second.count, "only the next message's frame was read")
        #expect(try reader.nextMessage(from: &input) == message(0x81, "three"))
        #expect(try reader.nextMessage(from: &input) == nil)
    }

    // MARK: Violations

    @Test(arguments: [
        ("unmasked", [0x81, 0x05] + Array("Hello".utf8)),
        ("continuation without a start", ClientFrame.masked(0x80, "x")),
        ("data frame inside a fragmented message", ClientFrame.masked(0x01, "a") + ClientFrame.masked(0x81, "b")),
        ("binary frame inside a fragmented message", ClientFrame.masked(0x01, "a") + ClientFrame.masked(0x02, "b")),
        ("fragmented ping", ClientFrame.masked(0x09, "")),
        ("fragmented close", ClientFrame.masked(0x08, [0x03, 0xE8])),
        ("control payload of 126", ClientFrame.masked(0x89, [UInt8](repeating: 0, count: 126))),
        ("RSV1", ClientFrame.masked(0xC1, "x")), ("RSV2", ClientFrame.masked(0xA1, "x")),
        ("RSV3", ClientFrame.masked(0x91, "x")),
        ("64-bit length with its top bit set", [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0] + ClientFrame.mask),
    ] as [(String, [UInt8])])
    func aBrokenRuleIsAProtocolError(name: String, bytes: [UInt8]) {
        #expect(violation(bytes) == .protocolError, "\(name)")
    }

    @Test(arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func anUnknownOpcodeIsAProtocolError(opcode: UInt8) {
        #expect(violation(ClientFrame.masked(0x80 | opcode, "x")) == .protocolError)
    }

    @Test func aHeaderIsRefusedAsSoonAsItsFirstTwoBytesBreakARule() {
        var input = ByteBuffer(bytes: [0x81, 0x05])
        var reader = WebSocketFrameReader()
        #expect(throws: WebSocketViolation(code: .protocolError, reason: "unmasked client frame")) {
            try reader.nextMessage(from: &input)
        }
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x61, 0xC3], [0xFF],
    ] as [[UInt8]])
    func aTextMessageThatIsNotUTF8IsInvalidPayload(payload: [UInt8]) {
        #expect(violation(ClientFrame.masked(0x81, payload)) == .invalidPayload)
        #expect(violation(ClientFrame.masked(0x82, payload)) == nil, "binary is not checked")
    }

    /// A close carries nothing, or a code a peer may send and a UTF-8 reason (RFC 6455, 5.5.1 and 7.4).
    @Test(arguments: [
        ([], nil), ([0x03, 0xE8], nil), ([0x0F, 0xA0], nil), ([0x13, 0x87], nil), ([0x03, 0xE8, 0xE2, 0x98, 0x83], nil),
        ([0x03], .protocolError), ([0x03, 0xED], .protocolError), ([0x03, 0xE7], .protocolError),
        ([0x07, 0xD0], .protocolError), ([0x13, 0x88], .protocolError), ([0x03, 0xE8, 0xFF], .invalidPayload),
    ] as [([UInt8], WebSocketCloseCode?)])
    func aClosePayloadIsChecked(payload: [UInt8], expected: WebSocketCloseCode?) {
        #expect(violation(ClientFrame.masked(0x88, payload)) == expected)
    }

    @Test func anInvalidLastFragmentMakesTheWholeMessageInvalid() {
        #expect(violation(ClientFrame.masked(0x01, "ok") + ClientFrame.masked(0x80, [0xC3, 0x28])) == .invalidPayload)
    }

    // MARK: The limit

    @Test func aMessageUpToTheLimitIsRead() throws {
        #expect(try messages(ClientFrame.masked(0x81, "0123456789"), limit: 10).count == 1)
        #expect(try messages(ClientFrame.masked(0x01, "012345") + ClientFrame.masked(0x80, "6789"), limit: 10).count == 1)
    }

    @Test func aMessageOverTheLimitIsTooBig() {
        #expect(violation(ClientFrame.masked(0x81, "0123456789A"), limit: 10) == .messageTooBig)
        #expect(violation(ClientFrame.masked(0x01, "012345") + ClientFrame.masked(0x80, "6789A"), limit: 10) == .messageTooBig)
    }

    @Test func theLimitIsCheckedFromTheDeclaredLengthBeforeAnyPayload() {
        var reader = WebSocketFrameReader(maxMessageBytes: 1 << 20)
        let header = Array(ClientFrame.masked(0x82, [UInt8](repeating: 0, count: (1 << 20) + 1)).prefix(14))
        var input = ByteBuffer(bytes: header)
        #expect(throws: WebSocketViolation(code: .messageTooBig, reason: "message too big")) {
            try reader.nextMessage(from: &input)
        }
        #expect(reader.heldBytes < 1024)
    }

    /// Found through the frame fuzz target's memory check (on a hand-made input: libFuzzer had not reached it): a ping
    /// fed a piece at a time grew its buffer to 248 bytes by Array's doubling.
    @Test func aControlFrameFedAByteAtATimeHoldsNoMoreThanItsPayload() throws {
        var reader = WebSocketFrameReader()
        let ping = ClientFrame.masked(0x89, [UInt8](repeating: 7, count: 125))
        for byte in ping.dropLast() {
            var piece = ByteBuffer(bytes: [byte])
            #expect(try reader.nextMessage(from: &piece) == nil)
            // The header's 14 and the payload's 125, each rounded up by the allocator.
            #expect(reader.heldBytes <= 14 + 125 + 2 * 32)
        }
    }

    @Test func theReaderNeverHoldsMoreThanTheLimitAndAHeader() throws {
        let limit = 1 << 20
        // The allocator rounds a large block up to whole pages.
        let bound = limit + 14 + 125 + 4096
        let firstFragment = ClientFrame.masked(0x02, [UInt8](repeating: 1, count: limit - 10))
        var reader = WebSocketFrameReader(maxMessageBytes: limit)
        for start in stride(from: 0, to: firstFragment.count, by: 1000) {
            var piece = ByteBuffer(bytes: firstFragment[start..<min(start + 1000, firstFragment.count)])
            #expect(try reader.nextMessage(from: &piece) == nil)
            #expect(reader.heldBytes <= bound)
        }
        var tooMuch = ByteBuffer(bytes: ClientFrame.masked(0x80, [UInt8](repeating: 2, count: 11)))
        #expect(throws: WebSocketViolation(code: .messageTooBig, reason: "message too big")) {
            try reader.nextMessage(from: &tooMuch)
        }
        #expect(tooMuch.readableBytes == 11, "none of the frame's payload was read")
        #expect(reader.heldBytes <= bound)
    }
}
