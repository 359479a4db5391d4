import Foundation
import Testing

/// WebSockets through the real gateway to a handler written for Mongrel2 with nothing but pyzmq
/// (`Fixtures/ws_handler.py`), and to the Swift handlers, driven by the `websockets` client library
/// (`Fixtures/ws_client.py`). One test at a time: several spawn a hundred clients or flood, and the machine has
/// two cores that the rest of the suite shares.
@Suite(.serialized) struct WebSocketTests {
    private func gateway(mode: String = "push") async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "ws", route: "/ws", command: ["python3", TestPaths.pythonWebSocketHandler], mode: mode)
        ])
        try await gateway.waitForConnected("ws", 1)
        return gateway
    }

    /// Runs one case of `ws_client.py` against the gateway's `/ws` route; it exits 0 only when all was as expected.
    private func run(_ testCase: String, on gateway: GatewayProcess, timeout: Duration = .seconds(60)) async throws {
        let client = try ChildProcess(
            ["python3", TestPaths.webSocketClient, "ws://127.0.0.1:\(gateway.port)/ws", testCase],
            outputPath: gateway.directory + "/ws-\(testCase).out")
        let status = try await client.waitForExit(timeout: timeout)
        #expect(status == 0, "case \(testCase): \(client.output)")
    }

    @Test(arguments: [
        "text", "binary", "sizes", "fragmented", "ping", "close", "headers", "refused", "greeting", "handler_closes",
        "client_leaves",
    ])
    func aMongrel2HandlerServesWebSockets(testCase: String) async throws {
        let gateway = try await gateway()
        try await run(testCase, on: gateway)
        #expect(try await gateway.webSocketCount("violations") == 0)
    }

    @Test func aHundredClientsAtOnce() async throws {
        let gateway = try await gateway()
        try await run("concurrent", on: gateway, timeout: .seconds(120))
        #expect(try await gateway.webSocketCount("messagesReceived") ?? 0 >= 1000)
        #expect(try await gateway.webSocketCount("framesSent") ?? 0 >= 1000)
    }

    // MARK: - The Swift handlers

    @Test(arguments: ["push", "broker"], ["text", "binary", "sizes", "fragmented", "ping", "close_handshake"])
    func theSwiftEchoHandlerServesWebSockets(mode: String, testCase: String) async throws {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "echo", route: "/ws", command: [TestPaths.echoHandler], mode: mode)
        ])
        try await gateway.waitForConnected("echo", 1)
        try await run(testCase, on: gateway)
    }

    @Test func theSwiftEchoHandlerServesAHundredClientsInBrokerMode() async throws {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "echo", route: "/ws", command: [TestPaths.echoHandler], mode: "broker")
        ])
        try await gateway.waitForConnected("echo", 1)
        try await run("concurrent", on: gateway, timeout: .seconds(120))
    }

    private func chatGateway() async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "chat", route: "/ws", command: [TestPaths.chatHandler], mode: "broker", extra: "stop_timeout = 2")
        ])
        try await gateway.waitForConnected("chat", 1)
        return gateway
    }

    @Test func theSwiftChatHandlerBroadcastsInBrokerMode() async throws {
        let gateway = try await chatGateway()
        try await run("chat", on: gateway)
    }

    /// A rolling restart: the old process keeps its WebSocket until its stop timeout, then the gateway closes it
    /// with 1012 so the client reconnects, to the new process.
    @Test func aRestartClosesWebSocketsWith1012() async throws {
        let gateway = try await chatGateway()
        let client = try openClient(expecting: 1012, on: gateway)
        try await waitUntil("the WebSocket to open") { client.output.contains("open") }
        try await waitUntil("the process to hold the WebSocket") { try await webSocketsOfProcesses(gateway) == [1] }
        #expect(try await gateway.ctl(["restart", "chat"]).status == 0)
        #expect(try await client.waitForExit(timeout: .seconds(60)) == 0, "\(client.output)")
    }

    /// A process that dies: its WebSockets get 1011 at once, and a new process takes the reconnection.
    @Test func aKilledHandlerClosesItsWebSocketsWith1011() async throws {
        let gateway = try await chatGateway()
        let client = try openClient(expecting: 1011, on: gateway)
        try await waitUntil("the WebSocket to open") { client.output.contains("open") }
        let pid = try #require(
            (try await gateway.pool("chat")["processes"] as? [[String: Any]])?.first?["pid"] as? Int32)
        kill(pid, SIGKILL)
        #expect(try await client.waitForExit(timeout: .seconds(60)) == 0, "\(client.output)")
    }

    private func openClient(expecting code: Int, on gateway: GatewayProcess) throws -> ChildProcess {
        try ChildProcess(
            ["python3", TestPaths.webSocketClient, "ws://127.0.0.1:\(gateway.port)/ws", "closed_with", "\(code)"],
            outputPath: gateway.directory + "/ws-closed-\(code).out")
    }

    private func webSocketsOfProcesses(_ gateway: GatewayProcess) async throws -> [Int] {
        (try await gateway.handlerStatus("chat")["processes"] as? [[String: Any]] ?? []).compactMap { $0["webSockets"] as? Int }
    }

    // MARK: - The gateway's own closes, and hostile peers

    /// A client that floods a handler that has stopped taking messages is read no further once 16 messages or
    /// 1 MiB wait for the handler: the gateway's memory stays bounded, and so does what the client gets out.
    @Test func aFloodToAStoppedHandlerIsNotRead() async throws {
        let gateway = try await GatewayProcess(handlers: [
            // A long liveness, so the stopped process is not given up while the client floods.
            .init(name: "echo", route: "/ws", command: [TestPaths.echoHandler], mode: "broker", extra: "heartbeat_liveness = 100")
        ])
        try await gateway.waitForConnected("echo", 1)
        let client = try ChildProcess(
            ["python3", TestPaths.webSocketClient, "ws://127.0.0.1:\(gateway.port)/ws", "flood"],
            outputPath: gateway.directory + "/ws-flood.out")
        try await waitUntil("the WebSocket to open") { client.output.contains("open") }
        let pid = try #require(
            (try await gateway.pool("echo")["processes"] as? [[String: Any]])?.first?["pid"] as? Int32)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let before = try residentBytes(of: gateway.child.pid)
        #expect(try await client.waitForExit(timeout: .seconds(60)) == 0, "\(client.output)")
        let sent = try #require(client.output.split(separator: "\n").last { $0.hasPrefix("sent ") }.flatMap { Int($0.dropFirst(5)) })
        let grown = try residentBytes(of: gateway.child.pid) - before
        // The kernel's socket buffers take some megabytes; the gateway holds at most about 2 MiB of messages.
        #expect(sent < 48 << 20, "the client got \(sent) bytes out to a stopped handler")
        #expect(grown < 32 << 20, "the gateway grew by \(grown) bytes")
    }

    /// A stopping gateway answers what is in flight, then closes its WebSockets with 1001 (going away).
    @Test func aStoppingGatewayClosesWebSocketsWith1001() async throws {
        let gateway = try await gateway()
        let client = try ChildProcess(
            ["python3", TestPaths.webSocketClient, "ws://127.0.0.1:\(gateway.port)/ws", "closed_with", "1001", "alone"],
            outputPath: gateway.directory + "/ws-stop.out")
        try await waitUntil("the WebSocket to open") { client.output.contains("open") }
        gateway.child.signal(SIGTERM)
        #expect(try await client.waitForExit(timeout: .seconds(60)) == 0, "\(client.output)")
    }

    @Test func anIdleWebSocketIsClosedWith1001() async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "ws", route: "/ws", command: ["python3", TestPaths.pythonWebSocketHandler])],
            webSocketIdle: 1)
        try await gateway.waitForConnected("ws", 1)
        try await run("idle", on: gateway)
    }

    /// A handshake for a static route is an ordinary request for a file: nothing is upgraded, and no handler
    /// is involved.
    @Test func aHandshakeOnADirectoryRouteIsNotUpgraded() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.webSocketHandshake("/index.html"))
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(try await gateway.webSocketCount("open") == 0)
    }

    /// A handler that never answers a handshake: the client gets 504 after the reply timeout, as for any request.
    @Test func anUnansweredHandshakeGets504() async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])], reply: 1)
        try await gateway.waitForConnected("py", 1)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.webSocketHandshake("/py/never"))
        #expect(try connection.readResponse().status == 504)
    }

    @Test func statusCountsOpenWebSockets() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.webSocketHandshake("/ws"))
        let head = try connection.readResponse(toHead: true)
        #expect(head.status == 101)
        #expect(head.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "RFC 6455's own example")
        try await waitUntil("one open WebSocket") { try await gateway.webSocketCount("open") == 1 }
        #expect(try await gateway.handlerStatus("ws")["webSockets"] as? Int == 1)
        connection.close()
        try await waitUntil("no open WebSocket") { try await gateway.webSocketCount("open") == 0 }
    }

    /// Mongrel2 takes a handshake only as a connection's first request; Lurcher also after keep-alive requests,
    /// once they are answered.
    @Test func aHandshakeAfterKeepAliveRequestsOpensAWebSocket() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        for _ in 0..<2 {
            try connection.send(HTTPConnection.request("GET", "/ws/plain"))
            #expect(try connection.readResponse().status == 200)
        }
        try connection.send(HTTPConnection.webSocketHandshake("/ws"))
        #expect(try connection.readResponse(toHead: true).status == 101)
        try connection.send(HTTPConnection.maskedFrame(0x81, Array("hello".utf8)))
        #expect(try connection.read(7) == [0x81, 5] + Array("hello".utf8))
    }

    /// The handshake is logged when the WebSocket closes: status 101, the frames sent as its bytes, and the
    /// WebSocket's whole life as its time.
    @Test func theAccessLogRecordsAWebSocketWhenItCloses() async throws {
        let path = NSTemporaryDirectory() + "lurcher-ws-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "ws", route: "/ws", command: ["python3", TestPaths.pythonWebSocketHandler])],
            extra: "[access_log]\npath = \"\(path)\"")
        try await gateway.waitForConnected("ws", 1)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.webSocketHandshake("/ws"))
        #expect(try connection.readResponse(toHead: true).status == 101)
        try connection.send(HTTPConnection.maskedFrame(0x81, Array("hello".utf8)))
        #expect(try connection.read(7) == [0x81, 5] + Array("hello".utf8))
        try await Task.sleep(for: .milliseconds(300))  // a lifetime the line's time must cover
        try connection.send(HTTPConnection.maskedFrame(0x88, [0x03, 0xE8]))
        #expect(try connection.read(4) == [0x88, 2, 0x03, 0xE8])
        #expect(try connection.isClosedByServer())
        let line = try #require(try await gateway.lines(of: path, atLeast: 1).first)
        #expect(line.contains("\"GET /ws HTTP/1.1\" 101 11 "), "\(line)")
        let seconds = try #require(Double(line.split(separator: " ").last ?? ""))
        #expect(seconds >= 0.3)
    }

    @Test func aWrongVersionGets426() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.webSocketHandshake("/ws", version: 8))
        let response = try connection.readResponse()
        #expect(response.status == 426)
        #expect(response.header("sec-websocket-version") == "13")
    }
}

/// `Fixtures/ws_conformance.py`'s matrix, modelled on the Autobahn Testsuite's sections, with raw frames.
@Suite struct WebSocketConformanceTests {
    @Test func everyCaseOfTheMatrixGetsItsExpectedOutcome() async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "ws", route: "/ws", command: ["python3", TestPaths.pythonWebSocketHandler])],
            limits: "max_websocket_message_bytes = 65536")
        try await gateway.waitForConnected("ws", 1)
        let matrix = try ChildProcess(
            ["python3", TestPaths.webSocketConformance, "127.0.0.1", "\(gateway.port)", "/ws"],
            outputPath: gateway.directory + "/conformance.out")
        #expect(try await matrix.waitForExit(timeout: .seconds(120)) == 0, "\(matrix.output)")
        // 1002, 1007 and 1009 cases each end one WebSocket as a violation.
        #expect(try await gateway.webSocketCount("violations") == 22)
    }
}
