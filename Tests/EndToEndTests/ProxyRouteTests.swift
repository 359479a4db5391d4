import Foundation
import Testing

/// Proxy routes pass requests to a real HTTP/1.1 backend (`Fixtures/proxy_backend.py`) and its answers back:
/// bodies streamed both ways in bounded memory, headers as nginx's proxy module sets them, kept-alive backend
/// connections, and every failure answered and logged with its real status.
@Suite struct ProxyRouteTests {
    private func gateway(
        _ backend: ProxyBackendProcess, route: String? = nil, reply: Double = 10, write: Double = 60, extra: String = "",
        server: String = "", limits: String = ""
    ) async throws -> GatewayProcess {
        try await GatewayProcess(
            handlers: [], reply: reply, write: write, limits: limits, routes: route ?? backend.route(), extra: extra,
            server: { _ in server })
    }

    /// A backend's figures in `ctl status --json`: the one on `port`, or the first.
    private func backendStatus(_ gateway: GatewayProcess, port: Int? = nil) async throws -> [String: Any] {
        let proxies = try await gateway.gatewayStatus()["proxies"] as? [[String: Any]] ?? []
        return try #require(proxies.first { port == nil || $0["name"] as? String == "127.0.0.1:\(port!)" })
    }

    @Test func getHeadAndPostReachTheBackendAndItsAnswersComeBack() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let hello = try gateway.get("/api/hello")
        #expect(hello.status == 200)
        #expect(hello.text == "hello")
        #expect(hello.header("date") != nil)

        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("POST", "/api/echo", headers: ["Content-Type": "text/plain"], body: "posted body"))
        let echoed = try connection.readResponse()
        #expect(echoed.status == 200)
        #expect(echoed.text == "posted body")
        try connection.send("HEAD /api/hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let head = try connection.readResponse(toHead: true)
        #expect(head.status == 200 && head.header("content-length") == "5")
        try connection.send(HTTPConnection.request("GET", "/api/no-such-path"))
        #expect(try connection.readResponse().status == 404, "the backend's own status passes through, on the same connection")
        #expect(try gateway.get("/index.html").status == 200, "other routes are as they were")
    }

    @Test func headersGoToTheBackendAsNginxSendsThem() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let connection = try gateway.connect()
        try connection.send(
            "GET /api/headers?q=1 HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n"
                + "X-Forwarded-Proto: https\r\nConnection: keep-alive, X-Hop\r\nX-Hop: per-connection\r\nKeep-Alive: timeout=5\r\n"
                + "TE: trailers\r\nProxy-Connection: keep-alive\r\nX-Custom: kept\r\n\r\n")
        let seen = try connection.readResponse().json()
        #expect(seen["target"] as? String == "/api/headers?q=1")
        let headers = try #require(seen["headers"] as? [[String]])
        func values(_ name: String) -> [String] { headers.filter { $0[0] == name }.map { $0[1] } }
        #expect(values("host") == ["localhost"], "Host is passed as it is")
        #expect(values("x-forwarded-for") == ["127.0.0.1"], "a client's own X-Forwarded-For is not trusted")
        #expect(values("x-forwarded-proto") == ["http"])
        #expect(values("forwarded") == ["for=127.0.0.1;proto=http;host=localhost"])
        #expect(values("x-custom") == ["kept"])
        for hop in ["keep-alive", "te", "x-hop", "proxy-connection", "transfer-encoding"] {
            #expect(values(hop).isEmpty, "\(hop) is hop-by-hop")
        }

        let fixedHost = try await self.gateway(
            backend, route: backend.route(extra: "proxy_host = \"api.internal\""), server: "no_clobber_xff = true")
        let trusted = try fixedHost.get("/api/headers", headers: ["X-Forwarded-For": "10.0.0.1"]).json()
        let trustedHeaders = try #require(trusted["headers"] as? [[String]])
        #expect(trustedHeaders.filter { $0[0] == "host" }.map { $0[1] } == ["api.internal"], "proxy_host replaces Host")
        #expect(trustedHeaders.filter { $0[0] == "x-forwarded-for" }.map { $0[1] } == ["10.0.0.1, 127.0.0.1"], "no_clobber_xff appends")
    }

    @Test func chunkedBodiesStreamBothWays() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let connection = try gateway.connect()
        try connection.send(
            "POST /api/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        #expect(try connection.readResponse().text == "abcdefg", "a chunked request body reaches the backend whole")

        try connection.send(HTTPConnection.request("GET", "/api/stream?bytes=300000"))
        let streamed = try connection.readResponse()
        #expect(streamed.header("transfer-encoding") == "chunked")
        #expect(streamed.body.count == 300_000)
        try connection.send(HTTPConnection.request("GET", "/api/hello"))
        #expect(try connection.readResponse().text == "hello", "the connection goes on after a chunked response")

        let old = try gateway.connect()
        try old.send("GET /api/stream?bytes=70000 HTTP/1.0\r\nHost: localhost\r\n\r\n")
        let delimited = try old.readResponse()
        #expect(delimited.header("transfer-encoding") == nil, "an HTTP/1.0 client is not sent chunks")
        #expect(delimited.header("connection") == "close")
        #expect(delimited.body.count == 70000)
        #expect(try old.isClosedByServer())

        let closeDelimited = try gateway.get("/api/close-delimited")
        #expect(closeDelimited.text == "until the close")
        #expect(closeDelimited.header("transfer-encoding") == "chunked", "a body ended by the backend's close is chunked")
    }

    @Test func fiftyMegabytesGoUpAndDownInBoundedMemory() async throws {
        let backend = try await ProxyBackendProcess()
        // `limits.max_body_bytes` holds for proxy routes too.
        let gateway = try await gateway(backend, limits: "max_body_bytes = 60000000")
        _ = try gateway.get("/api/hello")
        let pid = gateway.child.pid
        let before = try residentBytes(of: pid, peak: true)
        let size = 50 * 1024 * 1024
        let counted = try await onThread {
            let connection = try gateway.connect()
            try connection.send("POST /api/count HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(size)\r\n\r\n")
            let piece = [UInt8](repeating: 0x61, count: 1 << 20)
            for _ in 0..<50 { try connection.send(piece) }
            return try connection.readResponse().json()["bytes"] as? Int
        }
        #expect(counted == size)
        let downloaded = try await onThread {
            let connection = try gateway.connect()
            try connection.send(HTTPConnection.request("GET", "/api/download?bytes=\(size)"))
            return try connection.readResponse().body.count
        }
        #expect(downloaded == size)
        let grown = try residentBytes(of: pid, peak: true) - before
        #expect(grown < 24 * 1024 * 1024, "the gateway's peak memory grew by \(grown) bytes for 100 MB through it")
    }

    @Test func aClientThatStopsReadingStopsTheBackendNotTheGatewaysMemory() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend, reply: 2)
        _ = try gateway.get("/api/hello")
        let pid = gateway.child.pid
        let before = try residentBytes(of: pid)
        let connection = try gateway.connect(receiveBuffer: 64 * 1024)
        try connection.send(HTTPConnection.request("GET", "/api/endless"))
        let head = try connection.readResponse(toHead: true)
        #expect(head.status == 200)
        // The backend writes as fast as it may; the client reads nothing for longer than the reply timeout.
        try await Task.sleep(for: .seconds(3))
        let grown = try residentBytes(of: pid) - before
        #expect(grown < 16 * 1024 * 1024, "the gateway holds \(grown) bytes more while its client does not read")
        let read = try await onThread { try connection.readSlowly(8 * 1024 * 1024, step: 1 << 20, pause: 0) }
        #expect(read >= 8 * 1024 * 1024, "waiting on the client is not the backend's timeout: the stream goes on")
    }

    @Test func aBackendThatStopsReadingStopsTheClientNotTheGatewaysMemory() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend, limits: "max_body_bytes = 60000000")
        _ = try gateway.get("/api/hello")
        let pid = gateway.child.pid
        let before = try residentBytes(of: pid)
        let size = 40 * 1024 * 1024
        let upload = Task {
            try await onThread {
                let connection = try gateway.connect()
                try connection.send("POST /api/stall?seconds=2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(size)\r\n\r\n")
                let piece = [UInt8](repeating: 0x62, count: 1 << 20)
                for _ in 0..<40 { try connection.send(piece) }
                return try connection.readResponse().json()["bytes"] as? Int
            }
        }
        // The backend reads nothing for 2 s while the client has 40 MB to send as fast as it can.
        try await Task.sleep(for: .seconds(1.5))
        let grown = try residentBytes(of: pid) - before
        #expect(grown < 16 * 1024 * 1024, "the gateway holds \(grown) bytes more while its backend does not read")
        #expect(try await upload.value == size, "then the whole body arrives")
    }

    @Test func aBackendThatRefusesGets502InTheAccessLog() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = try await ProxyBackendProcess()
        let closedPort = try freeTCPPort()
        let gateway = try await gateway(
            backend, route: "\"/down/\" = { proxy = \"http://127.0.0.1:\(closedPort)\" }",
            extra: "[access_log]\npath = \"\(path)\"\nformat = \"json\"")
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/down/anything"))
        #expect(try connection.readResponse().status == 502)
        try connection.send(HTTPConnection.request("GET", "/index.html"))
        #expect(try connection.readResponse().status == 200, "the client's connection goes on")
        let lines = try await gateway.lines(of: path, atLeast: 2)
        #expect(lines.contains { $0.contains("\"/down/anything\"") && $0.contains("\"status\":502") }, "\(lines)")
        #expect(try await backendStatus(gateway)["badGateway"] as? Int == 1)
    }

    @Test func aSlowBackendGets504AtTheReplyTimeout() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend, reply: 1, extra: "[access_log]\npath = \"\(path)\"\nformat = \"json\"")
        let started = ContinuousClock.now
        let response = try await onThread { try gateway.get("/api/slow?seconds=20") }
        #expect(response.status == 504)
        #expect(ContinuousClock.now - started < .seconds(5))
        let lines = try await gateway.lines(of: path, atLeast: 1)
        #expect(lines.contains { $0.contains("\"/api/slow?seconds=20\"") && $0.contains("\"status\":504") }, "\(lines)")
        #expect(try await backendStatus(gateway)["timedOut"] as? Int == 1)
        #expect(try gateway.get("/api/hello").text == "hello", "the next request gets a connection of its own")
    }

    @Test func aBackendThatResetsMidResponseClosesTheClientConnection() async throws {
        let path = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend, extra: "[access_log]\npath = \"\(path)\"\nformat = \"json\"")
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/api/cut"))
        let head = try connection.readResponse(toHead: true)
        #expect(head.status == 200 && head.header("content-length") == "1000")
        let rest = try connection.readToEnd()
        #expect(rest.count < 1000, "the client sees the response end early, with the close")
        let lines = try await gateway.lines(of: path, atLeast: 1)
        #expect(lines.contains { $0.contains("\"/api/cut\"") && $0.contains("\"status\":200") }, "\(lines)")
        #expect(try await backendStatus(gateway)["cutShort"] as? Int == 1)
    }

    @Test func backendConnectionsAreKeptAliveAndReused() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let connection = try gateway.connect()
        var ports: Set<Int> = []
        for _ in 0..<5 {
            try connection.send(HTTPConnection.request("GET", "/api/peer"))
            ports.insert(try #require(try connection.readResponse().json()["port"] as? Int))
        }
        #expect(ports.count == 1, "one backend connection served every request: \(ports)")
        let figures = try await backendStatus(gateway)
        #expect(figures["connectionsOpened"] as? Int == 1)
        #expect(figures["connectionsReused"] as? Int == 4)
        #expect(figures["requests"] as? Int == 5)
    }

    @Test func idleBackendConnectionsExpire() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend, extra: "[proxy]\nidle_timeout = 0.3")
        #expect(try gateway.get("/api/hello").status == 200)
        try await waitUntil("the idle backend connection to be closed", timeout: .seconds(5)) {
            try await backendStatus(gateway)["connectionsOpen"] as? Int == 0
        }
    }

    @Test func theIdlePoolIsBounded() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend, extra: "[proxy]\nmax_idle_connections = 1")
        // Four at once need four connections; afterwards at most one per event loop stays.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await onThread { try gateway.get("/api/slow?seconds=0.5").status } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [200, 200, 200, 200])
        let figures = try await backendStatus(gateway)
        #expect(figures["connectionsOpened"] as? Int == 4)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        try await waitUntil("the connections past the bound to close", timeout: .seconds(5)) {
            (try await backendStatus(gateway)["connectionsOpen"] as? Int ?? 99) <= cores
        }
    }

    @Test func aWebSocketPassesThroughToTheBackend() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(
            backend, route: backend.route() + "\n\"/ws/\" = { proxy = \"http://127.0.0.1:\(backend.webSocketPort)\" }")
        let connection = try gateway.connect()
        // A frame sent with the handshake, before the 101, is the backend's too.
        try connection.send(Array(HTTPConnection.webSocketHandshake("/ws/echo").utf8) + HTTPConnection.maskedFrame(0x81, Array("early".utf8)))
        let head = try connection.readResponse(toHead: true)
        #expect(head.status == 101)
        #expect(head.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(head.header("upgrade")?.lowercased() == "websocket")
        #expect(try connection.read(7) == [0x81, 5] + Array("early".utf8))
        try connection.send(HTTPConnection.maskedFrame(0x81, Array("hello backend".utf8)))
        #expect(try connection.read(15) == [0x81, 13] + Array("hello backend".utf8))
        #expect(try await backendStatus(gateway, port: backend.webSocketPort)["upgrades"] as? Int == 1)
        connection.close()
        try await waitUntil("the spliced connection to close") { try await gateway.gatewayStatus()["openConnections"] as? Int == 0 }
    }

    @Test func metricsCountEachBackendsRequestsFailuresAndConnections() async throws {
        let backend = try await ProxyBackendProcess()
        let closedPort = try freeTCPPort()
        let gateway = try await gateway(
            backend, route: backend.route() + "\n\"/down/\" = { proxy = \"http://127.0.0.1:\(closedPort)\" }",
            extra: "[admin]\nlisten = \"127.0.0.1:0\"")
        let connection = try gateway.connect()
        for _ in 0..<2 {
            try connection.send(HTTPConnection.request("GET", "/api/hello"))
            #expect(try connection.readResponse().status == 200)
        }
        #expect(try gateway.get("/down/x").status == 502)
        let port = try #require(gateway.adminPort)
        let scrape = try HTTPConnection(port: port)
        try scrape.send(HTTPConnection.request("GET", "/metrics"))
        let text = try scrape.readResponse().text
        let up = "backend=\"127.0.0.1:\(backend.port)\""
        let down = "backend=\"127.0.0.1:\(closedPort)\""
        #expect(text.contains("lurcher_proxy_requests_total{\(up)} 2"), "\(text)")
        #expect(text.contains("lurcher_proxy_connections_opened_total{\(up)} 1"))
        #expect(text.contains("lurcher_proxy_connections_reused_total{\(up)} 1"))
        #expect(text.contains("lurcher_proxy_connections{\(up)} 1"))
        #expect(text.contains("lurcher_proxy_failures_total{\(down),kind=\"bad_gateway\"} 1"))
        #expect(text.contains("lurcher_proxy_failures_total{\(up),kind=\"timeout\"} 0"))
    }

    // MARK: - A malicious backend or client

    @Test func aGiantBackendHeaderGets502() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        #expect(try gateway.get("/api/giant-header").status == 502)
    }

    @Test func aBackendResponseWithLengthAndChunkingGets502AndNothingSmuggled() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/api/smuggle"))
        #expect(try connection.readResponse().status == 502)
        try connection.send(HTTPConnection.request("GET", "/api/hello"))
        #expect(try connection.readResponse().text == "hello", "the next answer is the backend's real one")
    }

    @Test func anUnaskedForResponseIsNeverPassedToTheNextRequest() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/api/extra"))
        #expect(try connection.readResponse().text == "first")
        for _ in 0..<3 {
            try connection.send(HTTPConnection.request("GET", "/api/hello"))
            #expect(try connection.readResponse().text == "hello")
        }
    }

    @Test func aSmugglingClientIsRefusedBeforeTheBackend() async throws {
        let backend = try await ProxyBackendProcess()
        let gateway = try await gateway(backend)
        let connection = try gateway.connect()
        try connection.send(
            "POST /api/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /api/hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try connection.readResponse().status == 400)
        #expect(try connection.isClosedByServer())
        let proxies = try await gateway.gatewayStatus()["proxies"] as? [[String: Any]] ?? []
        #expect(proxies.first?["requests"] as? Int ?? 0 == 0, "nothing reached the backend")
    }
}
