@testable import LurcherHandler
import Testing

/// The server frames a session's messages become: header length forms, fragmenting, close frames.
@Suite struct WebSocketFrameTests {
    /// The frame header: everything before the payload of a frame carrying `count` bytes.
    private func header(_ count: Int) -> [UInt8] {
        let frame = WebSocketFrame.message(.binary(Array(repeating: 7, count: count)), fragmentSize: nil)
        #expect(frame.count > count && frame.suffix(count).allSatisfy { $0 == 7 })
        return Array(frame.prefix(frame.count - count))
    }

    @Test func lengthsUpTo125FitTheSecondByte() {
        #expect(header(0) == [0x82, 0])
        #expect(header(125) == [0x82, 125])
    }

    @Test func lengthsFrom126To65535TakeTwoMoreBytes() {
        #expect(header(126) == [0x82, 126, 0x00, 0x7E])
        #expect(header(65535) == [0x82, 126, 0xFF, 0xFF])
    }

    @Test func lengthsFrom65536TakeEightMoreBytes() {
        #expect(header(65536) == [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00])
    }

    @Test func textIsSentAsUTF8WithOpcode1() {
        #expect(WebSocketFrame.message(.text("hé"), fragmentSize: nil) == [0x81, 3, 0x68, 0xC3, 0xA9])
    }

    @Test func aFragmentedMessageIsAFirstFrameThenContinuationsWithFINOnTheLast() {
        let frames = WebSocketFrame.message(.text("abcdefghij"), fragmentSize: 4)
        #expect(frames == [0x01, 4] + Array("abcd".utf8) + [0x00, 4] + Array("efgh".utf8) + [0x80, 2] + Array("ij".utf8))
    }

    @Test func aFragmentSizeAsLargeAsTheMessageSendsOneFrame() {
        #expect(WebSocketFrame.message(.binary([1, 2, 3]), fragmentSize: 3) == [0x82, 3, 1, 2, 3])
    }

    @Test func aCloseFrameCarriesTheCodeBigEndianThenTheReason() {
        #expect(WebSocketFrame.close(.goingAway, reason: "bye") == [0x88, 5, 0x03, 0xE9] + Array("bye".utf8))
    }

    @Test func aLongCloseReasonIsCutToTheControlFrameLimitOnACharacterBoundary() {
        let frame = WebSocketFrame.close(.normalClosure, reason: String(repeating: "é", count: 100))
        // 2 bytes of code, then 61 two-byte characters: 124 bytes, as a 62nd would make 126.
        #expect(frame[1] == 124)
        #expect(String(validating: frame.dropFirst(4), as: UTF8.self) == String(repeating: "é", count: 61))
    }
}
