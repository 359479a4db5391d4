import NIOCore
import NIOEmbedded
import Testing

@testable import LurcherGateway

/// The plain listener's choice between HTTP/2 with prior knowledge and HTTP/1, on an `EmbeddedChannel`, with the
/// bytes arriving whole or one at a time.
@Suite struct HTTP2PrefaceSnifferTests {
    /// A channel whose sniffer records its choice, and the bytes passed on after it.
    private func sniffing() throws -> (EmbeddedChannel, () -> Bool?) {
        let channel = EmbeddedChannel()
        var choice: Bool?
        try channel.pipeline.syncOperations.addHandler(HTTP2PrefaceSniffer { http2 in choice = http2 })
        return (channel, { choice })
    }

    private func passedOn(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    @Test func thePrefaceChoosesHTTP2AndIsPassedOnWhole() throws {
        let (channel, choice) = try sniffing()
        let input = HTTP2PrefaceSniffer.preface + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        for byte in input.prefix(23) {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            #expect(choice() == nil, "undecided within the preface")
        }
        try channel.writeInbound(ByteBuffer(bytes: input.dropFirst(23)))
        #expect(choice() == true)
        #expect(try passedOn(channel) == input)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: HTTP2PrefaceSniffer.self) }
    }

    @Test func anHTTP1RequestChoosesHTTP1AtItsFirstDifferentByte() throws {
        let (channel, choice) = try sniffing()
        try channel.writeInbound(ByteBuffer(string: "P"))
        #expect(choice() == nil)
        try channel.writeInbound(ByteBuffer(string: "OST / HTTP/1.1\r\n"))
        #expect(choice() == false)
        #expect(try passedOn(channel) == Array("POST / HTTP/1.1\r\n".utf8))
    }
}
