import LurcherProtocol
import Testing

@Suite struct NetstringTests {
    @Test func appendWritesLengthColonBytesComma() {
        var buffer: [UInt8] = []
        Netstring.append(bytes("hello world!"), to: &buffer)
        #expect(text(buffer) == "12:hello world!,")
    }

    @Test func appendWritesEmptyNetstring() {
        var buffer = bytes("x")
        Netstring.append([UInt8](), to: &buffer)
        #expect(text(buffer) == "x0:,")
    }

    @Test func decodeReturnsPayloadAndRest() throws {
        let (payload, rest) = try Netstring.decode(bytes("5:hello,tail"))
        #expect(text(payload) == "hello")
        #expect(text(rest) == "tail")
    }

    @Test func decodeKeepsBinaryPayload() throws {
        let payload: [UInt8] = [0, 0xFF, UInt8(ascii: ","), UInt8(ascii: ":")]
        var buffer: [UInt8] = []
        Netstring.append(payload, to: &buffer)
        let decoded = try Netstring.decode(buffer)
        #expect(Array(decoded.payload) == payload)
        #expect(decoded.rest.isEmpty)
    }

    @Test func decodeAcceptsAnyByteCollection() throws {
        let decoded = try Netstring.decode("3:abc,".utf8)
        #expect(text(decoded.payload) == "abc")
    }

    @Test func decodeRejectsMissingComma() {
        #expect(throws: ProtocolError.badTerminator(expected: UInt8(ascii: ","), found: UInt8(ascii: "}"))) {
            try Netstring.decode(bytes("3:abc}"))
        }
    }

    @Test func decodeRejectsTruncatedPayload() {
        #expect(throws: ProtocolError.truncated(expected: 8, available: 5)) {
            try Netstring.decode(bytes("5:abc"))
        }
    }

    @Test func decodeRejectsLeadingGarbage() {
        #expect(throws: ProtocolError.badLength(" ")) {
            try Netstring.decode(bytes(" 3:abc,"))
        }
    }

    @Test func decodeRejectsEmptyLength() {
        #expect(throws: ProtocolError.badLength(":")) {
            try Netstring.decode(bytes(":abc,"))
        }
    }
}
