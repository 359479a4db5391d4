import Testing

@testable import LurcherGateway

/// The gateway's own server frames: unmasked, shortest length form, close frames with a code and reason.
@Suite struct WebSocketFrameTests {
    @Test func anUnmaskedTextFrameIsRFC6455sExample() {
        #expect(WebSocketFrame.encode(flags: 0x81, payload: Array("Hello".utf8)) == [0x81, 0x05] + Array("Hello".utf8))
    }

    @Test(arguments: [
        (0, [0x82, 0x00]), (125, [0x82, 0x7D]), (126, [0x82, 0x7E, 0x00, 0x7E]), (65535, [0x82, 0x7E, 0xFF, 0xFF]),
        (65536, [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]), (1 << 20, [0x82, 0x7F, 0, 0, 0, 0, 0, 0x10, 0x00, 0x00]),
    ] as [(Int, [UInt8])])
    func eachLengthTakesItsShortestForm(length: Int, header: [UInt8]) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        let frame = WebSocketFrame.encode(flags: 0x82, payload: payload)
        #expect(Array(frame.prefix(header.count)) == header)
        #expect(frame.dropFirst(header.count).elementsEqual(payload))
    }

    @Test(arguments: [
        (WebSocketCloseCode.protocolError, 0xEA), (.invalidPayload, 0xEF), (.messageTooBig, 0xF1), (.internalError, 0xF3),
        (.serviceRestart, 0xF4),
    ] as [(WebSocketCloseCode, UInt8)])
    func aCloseFrameCarriesItsCodeBigEndianThenTheReason(code: WebSocketCloseCode, low: UInt8) {
        #expect(WebSocketFrame.close(code, reason: "bye") == [0x88, 0x05, 0x03, low] + Array("bye".utf8))
    }
}
