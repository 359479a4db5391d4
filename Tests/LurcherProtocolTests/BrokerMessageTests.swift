import LurcherProtocol
import Testing

/// Broker-mode messages as the frames docs/PROTOCOL.md describes.
@Suite struct BrokerMessageTests {
    @Test(arguments: [
        (BrokerMessage.ready(concurrency: 8, processID: 4242), ["READY", "8", "4242"]),
        (.ready(concurrency: 1, processID: nil), ["READY", "1"]),
        (.reply(payload: bytes("S 1:7, hi"), finishing: 12), ["REPLY", "S 1:7, hi", "12"]),
        (.reply(payload: bytes("S 1:7, hi"), finishing: nil), ["REPLY", "S 1:7, hi"]),
        (.done(requestID: 3), ["DONE", "3"]),
        (.leaving, ["LEAVING"]),
        (.request(requestID: 9, payload: bytes("S 7 / 2:{},0:,")), ["REQUEST", "9", "S 7 / 2:{},0:,"]),
        (.event(payload: bytes("S 7 @* x")), ["EVENT", "S 7 @* x"]),
        (.left, ["LEFT"]),
        (.disconnect, ["DISCONNECT"]),
        (.heartbeat, ["HEARTBEAT"]),
    ])
    func encodesToTheDocumentedFramesAndBack(message: BrokerMessage, frames: [String]) throws {
        #expect(message.frames.map { text($0) } == frames)
        #expect(try BrokerMessage(frames: frames.map(bytes)) == message)
    }

    @Test(arguments: [
        [],
        ["HELLO"],
        ["READY"],
        ["READY", "0"],
        ["READY", "many"],
        ["READY", "1", "2", "3"],
        ["DONE", "-1"],
        ["REQUEST", "1"],
        ["LEFT", "extra"],
    ])
    func rejectsMalformedFrames(frames: [String]) {
        #expect(throws: ProtocolError.self) { try BrokerMessage(frames: frames.map(bytes)) }
    }
}
