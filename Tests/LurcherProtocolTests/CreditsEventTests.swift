import LurcherProtocol
import Testing

@Suite struct CreditsEventTests {
    private func event(_ encoding: HeaderEncoding, bytes granted: Int) -> [UInt8] {
        var buffer: [UInt8] = []
        CreditsEvent.append(sender: bytes("UUID"), connectionID: 42, bytes: granted, encoding: encoding, to: &buffer)
        return buffer
    }

    /// The bytes Mongrel2 1.12's `Handler_notify_credits` writes, for each header encoding.
    @Test func jsonCreditsMatchMongrel2Bytes() {
        #expect(
            text(event(.json, bytes: 1234))
                == #"UUID 42 @* 43:{"METHOD":"JSON","DOWNLOAD_CREDITS":"1234"},18:{"type":"credits"},"#)
    }

    @Test func tnetstringCreditsHaveDictionaryHeadersAndJSONBody() {
        #expect(
            text(event(.tnetstring, bytes: 1234))
                == #"UUID 42 @* 43:6:METHOD,4:JSON,16:DOWNLOAD_CREDITS,4:1234,}18:{"type":"credits"},"#)
    }

    @Test(arguments: [HeaderEncoding.json, .tnetstring])
    func creditsDecodeAsAGatewayEventThatIsNoDisconnect(encoding: HeaderEncoding) throws {
        let request = try WireRequest.decode(event(encoding, bytes: 102_400))
        #expect(!request.isDisconnect)
        #expect(request.connectionID == 42)
        #expect(request.path == "@*")
    }
}
