@testable import LurcherHandler
import Testing

/// The 101 a handler writes for the gateway's handshake message, and the subprotocol it picks.
@Suite struct WebSocketUpgradeTests {
    /// RFC 6455's example: the accept value for key `dGhlIHNhbXBsZSBub25jZQ==`, as the gateway sends it.
    private let accept = Array("s3pPLMBiTxaQ9kxGjxKQE0P+sbQ=".utf8)

    @Test func the101CarriesTheGatewaysAcceptValue() throws {
        let head = try #require(WebSocketUpgrade.switchingProtocols(accept: accept, subprotocol: nil))
        #expect(
            String(decoding: head, as: UTF8.self)
                == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kxGjxKQE0P+sbQ=\r\n\r\n")
    }

    @Test func aChosenSubprotocolIsNamed() throws {
        let head = try #require(WebSocketUpgrade.switchingProtocols(accept: accept, subprotocol: "chat"))
        #expect(String(decoding: head, as: UTF8.self).hasSuffix("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kxGjxKQE0P+sbQ=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"))
    }

    @Test(arguments: ["", "s3pPLMBiTxaQ9kxGjxKQE0P+sb=", "s3pPLMBiTxaQ9kxGjxKQE0P\r\nsbQ="])
    func anythingButA28CharacterBase64AcceptIsRefused(body: String) {
        #expect(WebSocketUpgrade.switchingProtocols(accept: Array(body.utf8), subprotocol: nil) == nil)
    }

    private func offering(_ values: [String]) -> Request {
        Request(headers: RequestHeaders(values.isEmpty ? [:] : ["sec-websocket-protocol": values]))
    }

    @Test func theClientsFirstOfferThatIsSupportedWins() {
        let request = offering(["v3.chat, v2.chat", "v1.chat"])
        #expect(WebSocketUpgrade.subprotocol(for: request, among: ["v1.chat", "v2.chat"]) == "v2.chat")
        #expect(WebSocketUpgrade.subprotocol(for: request, among: ["v1.chat"]) == "v1.chat")
    }

    @Test func noSupportedOfferChoosesNone() {
        #expect(WebSocketUpgrade.subprotocol(for: offering(["v3.chat"]), among: ["v1.chat"]) == nil)
        #expect(WebSocketUpgrade.subprotocol(for: offering([]), among: ["v1.chat"]) == nil)
        #expect(WebSocketUpgrade.subprotocol(for: offering(["v1.chat"]), among: []) == nil)
    }
}
