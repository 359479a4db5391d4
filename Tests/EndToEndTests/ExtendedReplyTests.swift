import Foundation
import Testing

/// Mongrel2's extended (`X`) replies through the real gateway, from handlers written with nothing but pyzmq
/// (`Fixtures/xreply_handler.py` in push mode, `Fixtures/broker_handler.py` in broker mode): `ctl keep-alive`
/// keeps a quiet stream, idle connection or WebSocket from being reaped, `ctl cancel` and unknown keys close,
/// and hostile bodies change nothing. Timeouts are a second, so that what is not kept alive is reaped quickly;
/// keep-alives run longer than the tests wait, since on a loaded machine a sleep can resume seconds late.
@Suite struct ExtendedReplyTests {
    private func gateway(keepAlive: Double = 1, webSocketIdle: Double = 300) async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "x", route: "/x", command: ["python3", TestPaths.pythonExtendedReplyHandler])],
            reply: 1, keepAlive: keepAlive, webSocketIdle: webSocketIdle)
        try await gateway.waitForConnected("x", 1)
        return gateway
    }

    private func brokerGateway() async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "b", route: "/b", command: ["python3", TestPaths.pythonBrokerHandler], mode: "broker")],
            reply: 1, keepAlive: 1)
        try await waitUntil("the broker-mode process to say READY") { processes(try await gateway.handlerStatus("b")).count == 1 }
        return gateway
    }

    /// The ids a handler was told had gone, once the notice for `probe` (a gone id it sends `ctl keep-alive`
    /// to) has arrived: every notice the gateway sent before that one has arrived too.
    private func notices(_ gateway: GatewayProcess, route: String, probe: Int, listing: String) async throws -> [String] {
        #expect(try gateway.get("\(route)/probe?id=\(probe)").status == 200)
        var listed: [String] = []
        try await waitUntil("the notice for \(probe)") {
            let body = try gateway.get("\(route)/\(listing)").body
            let parsed = try JSONSerialization.jsonObject(with: Data(body))
            listed = (parsed as? [String]) ?? ((parsed as? [String: Any]).map { Array($0.keys) } ?? [])
            return listed.contains(String(probe))
        }
        return listed
    }

    private func ids(_ gateway: GatewayProcess, _ target: String) throws -> [String] {
        try JSONSerialization.jsonObject(with: Data(gateway.get(target).body)) as? [String] ?? []
    }

    // MARK: - keep-alive

    @Test(arguments: ["/x", "/b"])
    func aKeptAliveStreamOutlivesTheReplyTimeoutAndOneWithoutIsReaped(route: String) async throws {
        let gateway = try await route == "/x" ? gateway() : brokerGateway()
        let kept = try gateway.connect()
        try kept.send(HTTPConnection.request("GET", "\(route)/stream?for=2.5&every=0.3"))
        let response = try kept.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "startend", "the stream was quiet for 2.5 s, past the 1 s reply timeout")

        let unkept = try gateway.connect()
        try unkept.send(HTTPConnection.request("GET", "\(route)/stream?for=2.5&keepalive=0"))
        let cutOff = String(decoding: try unkept.readToEnd(), as: UTF8.self)
        #expect(cutOff.contains("start"))
        #expect(!cutOff.contains("end"), "reaped at the reply timeout: \(cutOff)")
    }

    @Test func aKeptAliveIdleConnectionOutlivesTheKeepAliveTimeoutAndOneWithoutIsClosed() async throws {
        // 2 s against keep-alives every 0.3 s: a loaded machine has delayed the handler's sleeps past 1 s.
        let gateway = try await gateway(keepAlive: 2)
        let kept = try gateway.connect()
        let unkept = try gateway.connect()
        try kept.send(HTTPConnection.request("GET", "/x/idle?for=12&every=0.3"))
        try unkept.send(HTTPConnection.request("GET", "/x/idle?keepalive=0"))
        #expect(try kept.readResponse().status == 200)
        #expect(try unkept.readResponse().status == 200)
        try await Task.sleep(for: .seconds(4))
        #expect(try unkept.isClosedByServer(), "idle for 4 s with a 2 s keep-alive timeout")
        try kept.send(HTTPConnection.request("GET", "/x/again"))
        #expect(try kept.readResponse().status == 200, "the handler's keep-alives kept the connection open")
    }

    @Test func aKeptAliveWebSocketOutlivesWebSocketIdleAndOneWithoutIsClosed() async throws {
        // 2 s idle against keep-alives every 0.3 s: a loaded machine has delayed the handler's sleeps past 1 s.
        let gateway = try await gateway(webSocketIdle: 2)
        func open(_ query: String) throws -> HTTPConnection {
            let connection = try gateway.connect()
            try connection.send(HTTPConnection.webSocketHandshake("/x/ws?\(query)"))
            #expect(try connection.readResponse(toHead: true).status == 101)
            return connection
        }
        let kept = try open("for=12&every=0.3")
        let unkept = try open("keepalive=0")
        try await waitUntil("both WebSockets to be open") { try await gateway.webSocketCount("open") == 2 }
        try await Task.sleep(for: .seconds(4))
        #expect(try unkept.read(2) == [0x88, 2 + 4], "closed as idle (1001) after 2 s")
        try kept.send(HTTPConnection.maskedFrame(0x81, Array("hello".utf8)))
        #expect(try kept.read(7) == [0x81, 5] + Array("hello".utf8), "still open after 4 s of silence from the client")
        #expect(try await gateway.webSocketCount("open") == 1)
    }

    // MARK: - cancel and unknown keys

    @Test(arguments: ["/x", "/b"])
    func cancelClosesTheConnectionAndTheHandlerHearsNothing(route: String) async throws {
        let gateway = try await route == "/x" ? gateway() : brokerGateway()
        for _ in 0..<2 {
            let connection = try gateway.connect()
            try connection.send(HTTPConnection.request("GET", "\(route)/cancel"))
            #expect(try connection.readToEnd().isEmpty, "closed with nothing written")
        }
        try await waitUntil("the cancelled requests to leave the in-flight count") { try await gateway.inFlight() == 0 }
        let cancelled = try ids(gateway, "\(route)/cancelled")
        #expect(cancelled.count == 2)
        let noticed = try await notices(
            gateway, route: route, probe: 900_001, listing: route == "/x" ? "disconnects" : "disconnected-at")
        #expect(Set(noticed).isDisjoint(with: cancelled), "no disconnect notice after a cancel: \(noticed)")
    }

    /// An empty reply is the handler closing the connection itself: as in Mongrel2, it hears no notice of it.
    @Test func aCloseTheHandlerAskedForEarnsNoNotice() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/x/close"))
        #expect(try connection.readToEnd().isEmpty, "closed with nothing written")
        let closed = try ids(gateway, "/x/cancelled")
        #expect(closed.count == 1)
        let noticed = try await notices(gateway, route: "/x", probe: 900_011, listing: "disconnects")
        #expect(Set(noticed).isDisjoint(with: closed), "no disconnect notice after the handler's close: \(noticed)")
    }

    /// One extended reply naming 128 connections, Mongrel2's most (`limits.handler_targets`): the open one keeps
    /// its answer, and each of the 127 gone ones earns a disconnect notice.
    @Test func anExtendedReplyReachesAllOfItsHundredAndTwentyEightIds() async throws {
        let gateway = try await gateway()
        #expect(try gateway.get("/x/many?n=128").status == 200)
        let noticed = Set(try await notices(gateway, route: "/x", probe: 910_500, listing: "disconnects"))
        let gone = Set((910_001..<910_128).map(String.init))
        #expect(gone.isSubset(of: noticed), "no notice for \(gone.subtracting(noticed).sorted())")
    }

    @Test func cancelDropsAStreamAlreadyBegun() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/x/head-then-cancel"))
        let got = String(decoding: try connection.readToEnd(), as: UTF8.self)
        #expect(!got.contains("0\r\n\r\n"), "the response never ended: \(got)")
        try await waitUntil("the request to leave the in-flight count") { try await gateway.inFlight() == 0 }
    }

    /// An unknown key, or `ctl` without a dict, closes the connection, as Mongrel2 1.12 does.
    @Test(arguments: ["unknown-key", "ctl-not-a-dict"])
    func aCommandThatCannotBeCarriedOutClosesTheConnection(path: String) async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/x/\(path)"))
        #expect(try connection.readToEnd().isEmpty)
        #expect(try gateway.get("/x/after").status == 200)
    }

    // MARK: - Hostile handlers

    @Test func malformedBodiesBadCreditsAndGoneIdsChangeNothingAndGetNoticesAsInMongrel2() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/x/hostile"))
        #expect(try connection.readResponse().status == 200, "none of the hostile controls closed the connection")
        try connection.send(HTTPConnection.request("GET", "/x/again"))
        #expect(try connection.readResponse().status == 200)

        let noticed = Set(try await notices(gateway, route: "/x", probe: 900_007, listing: "disconnects"))
        #expect(noticed.isSuperset(of: ["900001", "900003", "900004", "900005", "900006"]), "\(noticed)")
        #expect(!noticed.contains("900002"), "a cancel to a gone id gets no notice")
        // Bodies that are not one tnetstring list never reach the control logic: the empty one, `garbage`, one
        // with trailing bytes, and an integer too big for 64 bits.
        #expect(try await gateway.handlerStatus("x")["malformedReplies"] as? Int == 4)
        #expect(try await gateway.handlerStatus("x")["connected"] as? Int == 1)
        #expect(try gateway.get("/x/after").status == 200, "the gateway goes on serving")
    }
}
