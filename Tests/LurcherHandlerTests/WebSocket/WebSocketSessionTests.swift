import LurcherHandler
import LurcherProtocol
import Testing

/// A real ``HandlerConnection`` in broker mode taking WebSockets from a fake gateway: the handshake is a REQUEST
/// finished by its 101, each later message a REQUEST finished when the session takes it, and the library's own
/// answers (pong, close echo) go out without the session seeing them. The time limit only stops a hung test: a full
/// run on a loaded 2-core machine has taken over a minute to get to them.
@Suite(.timeLimit(.minutes(3)))
struct WebSocketSessionTests {
    private static let switchingProtocols = Array(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kxGjxKQE0P+sbQ=\r\n").utf8)

    /// Runs an echo session (and a plain HTTP responder) against a fake gateway, and stops it after `body`.
    /// - Parameter drainTimeout: short by default, so a test that leaves its WebSocket open ends soon after; a test
    ///   that goes on talking to a stopping handler needs it longer than a loaded machine can delay it.
    private func withEchoHandler(
        drainTimeout: Duration = .seconds(1),
        session: @escaping @Sendable (Request, WebSocket) async throws -> Void = { _, socket in
            for try await message in socket.messages { try await socket.send(message) }
        },
        _ body: (FakeBrokerGateway, HandlerConnection) async throws -> Void
    ) async throws {
        let gateway = try FakeBrokerGateway()
        // A long liveness, because the fake gateway sends no heartbeats, and a handler that hears none reconnects
        // (a second READY).
        let connection = try HandlerConnection(
            settings: .init(
                mode: .broker, sendSpec: gateway.endpoint, heartbeatInterval: .seconds(1), heartbeatLiveness: 100,
                drainTimeout: drainTimeout, handlesSignals: false))
        let running = Task {
            try await connection.run(webSocket: session, shouldUpgrade: { _ in .accept(subprotocols: ["chat"]) }) { _ in
                Response(text: "http\n")
            }
        }
        guard case .ready = try await gateway.next() else { Issue.record("no READY"); return }
        try await body(gateway, connection)
        if !gateway.saidLeft {
            connection.shutdown()
            while let message = try await gateway.next(), message != .leaving {}
            try gateway.send(.left)
        }
        try await running.value
    }

    /// The next two messages are the DONE for `requestID` and the echo `frame`, in either order: they reach the
    /// loop thread by separate paths.
    private func expectDone(_ requestID: UInt64, andEcho frame: [UInt8], from gateway: FakeBrokerGateway) async throws {
        let both = [try await gateway.next(), try await gateway.next()]
        #expect(both.contains(.done(requestID: requestID)))
        #expect(both.contains(.reply(payload: FakeBrokerGateway.reply(frame), finishing: nil)))
    }

    @Test func theHandshakeIsFinishedByThe101WithTheChosenSubprotocol() async throws {
        try await withEchoHandler { gateway, _ in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.handshake(protocols: "superchat, chat")))
            let expected = Self.switchingProtocols + Array("Sec-WebSocket-Protocol: chat\r\n\r\n".utf8)
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply(expected), finishing: 1))
        }
    }

    @Test func aStopClosesTheWebSocketsStillOpenAfterTheDrainTimeoutWith1012() async throws {
        try await withEchoHandler { gateway, connection in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.handshake()))
            _ = try await gateway.next()
            connection.shutdown()
            // LEAVING and the close reach the loop thread by separate paths; the close frame precedes the empty reply.
            let three = [try await gateway.next(), try await gateway.next(), try await gateway.next()]
            #expect(three.contains(.leaving))
            let replies = three.filter { $0 != .leaving }
            #expect(
                replies == [
                    .reply(payload: FakeBrokerGateway.reply([0x88, 2, 0x03, 0xF4]), finishing: nil),
                    .reply(payload: FakeBrokerGateway.reply([]), finishing: nil),
                ])
            try gateway.send(.left)
        }
    }

    @Test func messagesAreFinishedWhenTakenAndControlFramesAnsweredByTheLibrary() async throws {
        try await withEchoHandler { gateway, _ in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.handshake()))
            _ = try await gateway.next()

            try gateway.send(.request(requestID: 2, payload: FakeBrokerGateway.frame("0x81", Array("hi".utf8))))
            try await expectDone(2, andEcho: [0x81, 2] + Array("hi".utf8), from: gateway)

            try gateway.send(.request(requestID: 3, payload: FakeBrokerGateway.frame("0x89", [9])))
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply([0x8A, 1, 9]), finishing: 3))

            // An ordinary request beside the WebSocket still reaches the HTTP responder.
            try gateway.send(.request(requestID: 4, payload: FakeBrokerGateway.request(["METHOD": "GET"], connection: 8)))
            guard case .reply(let payload, 4) = try await gateway.next() else { Issue.record("no reply to the GET"); return }
            #expect(String(decoding: payload, as: UTF8.self).hasSuffix("\r\n\r\nhttp\n"))

            try gateway.send(.request(requestID: 5, payload: FakeBrokerGateway.frame("0x88", [0x03, 0xE8])))
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply([0x88, 2, 0x03, 0xE8]), finishing: nil))
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply([]), finishing: 5))
            // The session's return after the client's close sends nothing more.
            #expect(try await gateway.next(timeout: .milliseconds(200)) == nil)
        }
    }

    @Test func aMessageIsFinishedOnlyWhenTheSessionTakesIt() async throws {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        try await withEchoHandler(session: { _, socket in
            for await _ in gate { break }
            for try await message in socket.messages { try await socket.send(message) }
        }) { gateway, _ in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.handshake()))
            _ = try await gateway.next()
            try gateway.send(.request(requestID: 2, payload: FakeBrokerGateway.frame("0x82", [1])))
            // Held while the session is busy: the gateway reads the client no faster than this.
            #expect(try await gateway.next(timeout: .milliseconds(300)) == nil)
            open.yield()
            try await expectDone(2, andEcho: [0x82, 1, 1], from: gateway)
        }
    }

    @Test func aMessageForAWebSocketHeldNowhereHasItsPingAnsweredAndItsDataDropped() async throws {
        try await withEchoHandler { gateway, _ in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.frame("0x81", Array("lost".utf8), connection: 42)))
            #expect(try await gateway.next() == .done(requestID: 1))
            try gateway.send(.request(requestID: 2, payload: FakeBrokerGateway.frame("0x89", [5], connection: 42)))
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply([0x8A, 1, 5], to: 42), finishing: 2))
        }
    }

    @Test func aSessionThatReturnsClosesWith1000() async throws {
        try await withEchoHandler(session: { _, _ in }) { gateway, _ in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.handshake()))
            _ = try await gateway.next()
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply([0x88, 2, 0x03, 0xE8]), finishing: nil))
            #expect(try await gateway.next() == .reply(payload: FakeBrokerGateway.reply([]), finishing: nil))
        }
    }

    @Test func aStopWaitsForTheOpenWebSocketAndRefusesNewHandshakes() async throws {
        try await withEchoHandler(drainTimeout: .seconds(30)) { gateway, connection in
            try gateway.send(.request(requestID: 1, payload: FakeBrokerGateway.handshake()))
            _ = try await gateway.next()
            connection.shutdown()
            // Not LEAVING: the WebSocket's messages still have to come.
            try gateway.send(.request(requestID: 2, payload: FakeBrokerGateway.handshake(connection: 9)))
            guard case .reply(let refusal, 2) = try await gateway.next() else { Issue.record("no refusal"); return }
            #expect(String(decoding: refusal, as: UTF8.self).hasPrefix("S 1:9, HTTP/1.1 503 "))
            try gateway.send(.request(requestID: 3, payload: FakeBrokerGateway.frame("0x81", Array("still".utf8))))
            try await expectDone(3, andEcho: [0x81, 5] + Array("still".utf8), from: gateway)
            // Once the client has closed, the process leaves.
            try gateway.send(.request(requestID: 4, payload: FakeBrokerGateway.frame("0x88", [0x03, 0xE8])))
            _ = try await gateway.next()
            _ = try await gateway.next()
            #expect(try await gateway.next() == .leaving)
            try gateway.send(.left)
        }
    }
}
