@testable import LurcherHandler
import Testing

/// What one session does with each message the gateway forwards, and with each close, without sockets.
@Suite struct WebSocketSessionStateTests {
    private var session = WebSocketSessionState()

    @Test mutating func textAndBinaryMessagesAreDelivered() {
        #expect(session.receive(flags: "0x81", payload: Array("héllo".utf8)) == [.deliver(.text("héllo"))])
        #expect(session.receive(flags: "0x82", payload: [0, 255]) == [.deliver(.binary([0, 255]))])
        #expect(session.isOpen)
    }

    @Test mutating func aPingIsAnsweredWithAPongOfTheSamePayload() {
        #expect(session.receive(flags: "0x89", payload: [1, 2, 3]) == [.send([0x8A, 3, 1, 2, 3])])
        #expect(session.isOpen)
    }

    @Test mutating func aPongIsIgnored() {
        #expect(session.receive(flags: "0x8A", payload: [1]) == [])
    }

    @Test mutating func aCloseHasItsCodeEchoedThenTheConnectionClosed() {
        #expect(session.receive(flags: "0x88", payload: [0x03, 0xE8] + Array("bye".utf8)) == [.send([0x88, 2, 0x03, 0xE8]), .closeConnection])
        #expect(!session.isOpen)
    }

    @Test mutating func aCloseWithoutACodeIsEchoedEmpty() {
        #expect(session.receive(flags: "0x88", payload: []) == [.send([0x88, 0]), .closeConnection])
    }

    @Test mutating func nothingIsDoneAfterTheClose() {
        _ = session.receive(flags: "0x88", payload: [0x03, 0xE8])
        #expect(session.receive(flags: "0x81", payload: Array("late".utf8)) == [])
        #expect(session.receive(flags: "0x89", payload: []) == [])
        #expect(session.close(.normalClosure) == [])
    }

    @Test mutating func theHandlersCloseSendsItsCodeThenClosesTheConnectionOnce() {
        #expect(session.close(.normalClosure) == [.send([0x88, 2, 0x03, 0xE8]), .closeConnection])
        #expect(session.close(.goingAway) == [])
    }

    private static let protocolError: [WebSocketSessionState.Action] = [.send([0x88, 2, 0x03, 0xEA]), .closeConnection]

    @Test(arguments: [
        "0xC1",  // RSV1 (compression) though no extension was negotiated
        "0x91",  // RSV3
        "0x80",  // a continuation, which the gateway should have reassembled
        "0x83",  // a reserved opcode
        "text",  // not FLAGS at all
    ])
    func aProtocolErrorClosesWith1002(flags: String) {
        var session = WebSocketSessionState()
        #expect(session.receive(flags: flags, payload: Array("x".utf8)) == Self.protocolError)
        #expect(!session.isOpen)
    }

    @Test mutating func aMessageWithoutFlagsIsAProtocolError() {
        #expect(session.receive(flags: nil, payload: []) == Self.protocolError)
    }

    @Test mutating func aOneByteCloseIsAProtocolError() {
        #expect(session.receive(flags: "0x88", payload: [0x03]) == Self.protocolError)
    }

    @Test mutating func textThatIsNotUTF8ClosesWith1007() {
        #expect(session.receive(flags: "0x81", payload: [0xC3, 0x28]) == [.send([0x88, 2, 0x03, 0xEF]), .closeConnection])
    }

    @Test mutating func aClientThatLeftGetsNothingMore() {
        session.clientLeft()
        #expect(session.receive(flags: "0x89", payload: []) == [])
        #expect(session.close(.normalClosure) == [])
    }
}
