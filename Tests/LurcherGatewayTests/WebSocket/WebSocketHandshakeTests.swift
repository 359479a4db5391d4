import Testing

@testable import LurcherGateway

/// Telling a WebSocket handshake from an ordinary request, and its accept value.
@Suite struct WebSocketHandshakeTests {
    private static let accept = Array("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".utf8)

    /// RFC 6455's example handshake (1.3), with fields replaced, added or (value nil) left out.
    private func verdict(
        _ changes: [String: String?] = [:], method: RequestMethod = .get
    ) -> WebSocketHandshake.Verdict {
        var fields: [(name: String, value: String)] = [
            ("host", "server.example.com"), ("upgrade", "websocket"), ("connection", "Upgrade"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="), ("sec-websocket-version", "13"),
        ]
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            fields.removeAll { $0.name == name }
            if let value { fields.append((name, value)) }
        }
        var head = RequestHead()
        head.fill(method, "/chat", fields: fields)
        return WebSocketHandshake.verdict(for: head)
    }

    @Test func theAcceptValueIsRFC6455sExample() {
        #expect(WebSocketHandshake.acceptValue(forKey: Array("dGhlIHNhbXBsZSBub25jZQ==".utf8)) == Self.accept)
    }

    @Test func rfc6455sExampleIsAnUpgrade() {
        #expect(verdict() == .upgrade(accept: Self.accept))
    }

    @Test(arguments: [
        ["upgrade": "WebSocket"], ["connection": "keep-alive, Upgrade"], ["connection": "keep-alive,upgrade "],
        ["connection": "UPGRADE"],
    ] as [[String: String?]])
    func tokensAreMatchedInAnyCase(changes: [String: String?]) {
        #expect(verdict(changes) == .upgrade(accept: Self.accept))
    }

    @Test(arguments: [
        ["upgrade": nil], ["upgrade": "h2c"], ["connection": nil], ["connection": "upgraded, keep-alive"],
        ["sec-websocket-key": nil], ["host": nil],
    ] as [[String: String?]])
    func withoutAnyOfItsPartsARequestIsNotAnUpgrade(changes: [String: String?]) {
        #expect(verdict(changes) == .notAnUpgrade)
    }

    @Test func onlyAGetIsAnUpgrade() {
        #expect(verdict(method: .post) == .notAnUpgrade)
    }

    @Test(arguments: [["sec-websocket-version": "8"], ["sec-websocket-version": nil], ["sec-websocket-version": "13, 8"]]
        as [[String: String?]])
    func anotherVersionIsRefused(changes: [String: String?]) {
        #expect(verdict(changes) == .wrongVersion)
    }
}
