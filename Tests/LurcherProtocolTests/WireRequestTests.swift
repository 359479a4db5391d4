import LurcherProtocol
import Testing

@Suite struct WireRequestTests {
    private let uuid = "54c6755b-9628-40a4-9a2d-cc82a816345e"

    private func encode(
        _ encoding: HeaderEncoding,
        connectionID: UInt64 = 7,
        body: String = "name=joe",
        build: (inout RequestHeadersWriter) -> Void
    ) -> [UInt8] {
        var headers = RequestHeadersWriter(encoding: encoding)
        build(&headers)
        var buffer: [UInt8] = []
        WireRequest.append(
            sender: bytes(uuid), connectionID: connectionID, path: bytes("/hello"),
            headers: headers, body: bytes(body), to: &buffer
        )
        return buffer
    }

    private func sampleHeaders(_ headers: inout RequestHeadersWriter) {
        headers.append(name: bytes("PATH"), value: bytes("/hello"))
        headers.append(name: bytes("METHOD"), value: bytes("POST"))
        headers.append(name: bytes("x-forwarded-for"), value: bytes("127.0.0.1"))
        headers.append(name: bytes("cookie"), values: [bytes("a=1"), bytes("b=2")])
    }

    @Test func minimalRequestIsSenderIdPathEmptyHeadersAndEmptyBody() {
        let request = encode(.json, connectionID: 1, body: "") { _ in }
        #expect(text(request) == "\(uuid) 1 /hello 2:{},0:,")
    }

    @Test func jsonRequestMatchesMongrel2Bytes() {
        let request = encode(.json, build: sampleHeaders)
        #expect(
            text(request)
                == #"\#(uuid) 7 /hello 86:{"PATH":"/hello","METHOD":"POST","x-forwarded-for":"127.0.0.1","cookie":["a=1","b=2"]},8:name=joe,"#
        )
    }

    @Test func tnetstringRequestMatchesMongrel2Bytes() {
        let request = encode(.tnetstring, build: sampleHeaders)
        #expect(
            text(request)
                == "\(uuid) 7 /hello 88:4:PATH,6:/hello,6:METHOD,4:POST,15:x-forwarded-for,9:127.0.0.1,6:cookie,12:3:a=1,3:b=2,]}8:name=joe,"
        )
    }

    @Test func largeConnectionIDIsWrittenInDecimal() {
        let request = encode(.json, connectionID: UInt64.max, body: "") { _ in }
        #expect(text(request) == "\(uuid) 18446744073709551615 /hello 2:{},0:,")
    }

    @Test(arguments: [HeaderEncoding.json, .tnetstring])
    func decodeRoundTripsEncodedRequest(encoding: HeaderEncoding) throws {
        let bodyBytes = "binary\u{0},body"
        let request = try WireRequest.decode(encode(encoding, body: bodyBytes, build: sampleHeaders))
        #expect(request.sender == uuid)
        #expect(request.connectionID == 7)
        #expect(request.path == "/hello")
        #expect(request.headerEncoding == encoding)
        #expect(request.body == bytes(bodyBytes))
        #expect(request.headers == [
            "PATH": .single("/hello"),
            "METHOD": .single("POST"),
            "x-forwarded-for": .single("127.0.0.1"),
            "cookie": .list(["a=1", "b=2"]),
        ])
        #expect(request[header: "cookie"] == "a=1")
        #expect(!request.isDisconnect)
    }

    @Test func decodeParsesHandWrittenMongrel2Request() throws {
        let wire = #"\#(uuid) 12 /x 42:{"METHOD":"GET","x":"a\nb","n":5,"b":true},0:,"#
        let request = try WireRequest.decode(bytes(wire))
        #expect(request.headers["x"] == .single("a\nb"))
        // Non-string JSON values arrive as their JSON text.
        #expect(request.headers["n"] == .single("5"))
        #expect(request.headers["b"] == .single("true"))
        #expect(request.body.isEmpty)
    }

    @Test func decodeTurnsNonStringTNetStringValuesIntoText() throws {
        let headers: TNetString = ["n": 5, "b": false, "z": .null, "l": ["a", 1]]
        let wire = bytes("\(uuid) 1 / ") + headers.encoded + bytes("0:,")
        let request = try WireRequest.decode(wire)
        #expect(request.headers["n"] == .single("5"))
        #expect(request.headers["b"] == .single("false"))
        #expect(request.headers["z"] == .single("null"))
        #expect(request.headers["l"] == .list(["a", "1"]))
    }

    @Test func decodeRejectsMissingSpaces() {
        #expect(throws: ProtocolError.malformed("request ends before the space after the path")) {
            try WireRequest.decode(bytes("\(uuid) 1 /hello"))
        }
        #expect(throws: ProtocolError.malformed("request ends before the space after the sender")) {
            try WireRequest.decode(bytes(uuid))
        }
    }

    @Test func decodeRejectsNonDecimalConnectionID() {
        #expect(throws: ProtocolError.badConnectionID("12a")) {
            try WireRequest.decode(bytes("\(uuid) 12a /hello 2:{},0:,"))
        }
        #expect(throws: ProtocolError.badConnectionID("")) {
            try WireRequest.decode(bytes("\(uuid)  /hello 2:{},0:,"))
        }
    }

    @Test func decodeRejectsHeadersThatAreNotJSONObject() {
        #expect(throws: ProtocolError.self) { try WireRequest.decode(bytes("\(uuid) 1 / 3:{x},0:,")) }
        #expect(throws: ProtocolError.malformed("request headers are JSON but not an object")) {
            try WireRequest.decode(bytes("\(uuid) 1 / 2:[],0:,"))
        }
    }

    @Test func decodeRejectsHeadersOfAnotherTNetStringType() {
        #expect(throws: ProtocolError.self) { try WireRequest.decode(bytes("\(uuid) 1 / 0:],0:,")) }
    }

    @Test func decodeRejectsBodyThatIsNotANetstring() {
        #expect(throws: ProtocolError.badTerminator(expected: UInt8(ascii: ","), found: UInt8(ascii: "]"))) {
            try WireRequest.decode(bytes("\(uuid) 1 / 2:{},0:]"))
        }
        #expect(throws: ProtocolError.truncated(expected: 5, available: 4)) {
            try WireRequest.decode(bytes("\(uuid) 1 / 2:{},2:a,"))
        }
    }

    @Test func decodeRejectsBytesAfterTheBody() {
        #expect(throws: ProtocolError.trailingBytes(count: 1)) {
            try WireRequest.decode(bytes("\(uuid) 1 / 2:{},0:,x"))
        }
    }
}
