import LurcherProtocol
import Testing

@Suite struct DisconnectEventTests {
    private func event(_ encoding: HeaderEncoding) -> [UInt8] {
        var buffer: [UInt8] = []
        DisconnectEvent.append(sender: bytes("UUID"), connectionID: 42, encoding: encoding, to: &buffer)
        return buffer
    }

    @Test func jsonDisconnectMatchesMongrel2Bytes() {
        #expect(text(event(.json)) == #"UUID 42 @* 17:{"METHOD":"JSON"},21:{"type":"disconnect"},"#)
    }

    @Test func tnetstringDisconnectHasDictionaryHeadersAndJSONBody() {
        #expect(text(event(.tnetstring)) == #"UUID 42 @* 16:6:METHOD,4:JSON,}21:{"type":"disconnect"},"#)
    }

    @Test(arguments: [HeaderEncoding.json, .tnetstring])
    func decodedDisconnectIsRecognised(encoding: HeaderEncoding) throws {
        let request = try WireRequest.decode(event(encoding))
        #expect(request.isDisconnect)
        #expect(request.connectionID == 42)
        #expect(request.headerEncoding == encoding)
    }

    @Test func disconnectWithDifferentlySpelledJSONBodyIsRecognised() throws {
        let wire = #"UUID 3 @* 17:{"METHOD":"JSON"},25:{ "type" : "disconnect" },"#
        #expect(try WireRequest.decode(bytes(wire)).isDisconnect)
    }

    @Test func otherJSONEventsAreNotDisconnects() throws {
        let wire = #"UUID 3 @* 17:{"METHOD":"JSON"},16:{"type":"other"},"#
        #expect(try !WireRequest.decode(bytes(wire)).isDisconnect)
    }

    @Test func disconnectBodyOnAnOrdinaryPathIsNotADisconnect() throws {
        let wire = #"UUID 3 /x 17:{"METHOD":"JSON"},21:{"type":"disconnect"},"#
        #expect(try !WireRequest.decode(bytes(wire)).isDisconnect)
    }

    @Test func disconnectBodyWithoutMethodJSONIsNotADisconnect() throws {
        let wire = #"UUID 3 @* 16:{"METHOD":"GET"},21:{"type":"disconnect"},"#
        #expect(try !WireRequest.decode(bytes(wire)).isDisconnect)
    }
}
