import Foundation
import Testing

/// Mongrel2's download flow control (`download_flow_control = true`), with a handler written from Mongrel2's
/// protocol alone (`Fixtures/credits_handler.py`): it sends no more than its credits allow, and the gateway returns
/// them only once the bytes have been written to the client's socket.
@Suite struct DownloadFlowControlTests {
    /// - Parameter write: `timeouts.write`; the 50 MB test's client reads nothing until the handler has stalled,
    ///   which on a loaded machine has taken longer than the default minute.
    private func gateway(mode: String = "push", write: Double = 60) async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [
                .init(
                    name: "paced", route: "/credits", command: ["python3", TestPaths.pythonCreditsHandler], mode: mode,
                    extra: "download_flow_control = true")
            ], write: write)
        try await gateway.waitForConnected("paced", 1)
        return gateway
    }

    /// What the handler saw, per connection id (see the fixture's `/report`), asked on a connection of its own.
    private func report(_ port: Int, server: AnyObject) throws -> [String: [String: Any]] {
        let connection = try HTTPConnection(port: port, server: server)
        try connection.send(HTTPConnection.request("GET", "/credits/report"))
        return try connection.readResponse().json() as? [String: [String: Any]] ?? [:]
    }

    /// The report's entry for the connection that downloaded: the one the handler sent bytes to.
    private func downloader(in report: [String: [String: Any]]) -> [String: Any]? {
        report.values.filter { ($0["sent"] as? Int ?? 0) > 0 }.max { ($0["sent"] as! Int) < ($1["sent"] as! Int) }
    }

    /// The `DOWNLOAD_CREDITS` header of each request of a report entry's connection, nil where it had none.
    private func creditHeaders(_ entry: [String: Any]) -> [String?] {
        (entry["credit_headers"] as? [Any] ?? []).map { $0 as? String }
    }

    private func expectPattern(_ body: [UInt8], count: Int) {
        #expect(body.count == count)
        let wrong = body.indices.first { body[$0] != UInt8($0 % 251) }
        #expect(wrong == nil, "byte \(wrong ?? -1) differs")
    }

    /// 50 MB to a client that reads nothing at first: the handler gets credits only for what reached the socket,
    /// so it stalls with a few megabytes out, the gateway's memory stays flat, and then every byte arrives.
    @Test func aFiftyMegabyteDownloadUnderCreditsArrivesWholeWithMemoryBounded() async throws {
        let gateway = try await gateway(write: 600)
        let size = 50 << 20
        let baseline = try residentBytes(of: gateway.child.pid)
        let client = try gateway.connect(receiveBuffer: 65536)
        try client.send(HTTPConnection.request("GET", "/credits/download?bytes=\(size)&piece=65536"))
        var stalledAt = 0
        try await waitUntil("the handler to stall, out of credits") {
            guard let entry = downloader(in: try report(gateway.port, server: gateway)), entry["waiting"] as? Bool == true
            else { return false }
            let sent = entry["sent"] as? Int ?? 0
            defer { stalledAt = sent }
            return sent == stalledAt
        }
        #expect(stalledAt < 16 << 20, "the handler got credits for \(stalledAt) bytes the client had not read")
        let response = try await onThread { try client.readResponse() }
        expectPattern(response.body, count: size)
        let grown = try residentBytes(of: gateway.child.pid, peak: true) - baseline
        #expect(grown < 24 << 20, "the gateway's peak memory grew by \(grown) bytes")
        let entry = try #require(downloader(in: try report(gateway.port, server: gateway)))
        #expect(creditHeaders(entry) == ["102400"])
        let returned = (entry["credit_events"] as? [Int] ?? []).reduce(0, +)
        #expect(returned == entry["sent"] as? Int, "credits came back for every byte written")
    }

    /// Credits belong to the connection: a keep-alive request after the first carries no `DOWNLOAD_CREDITS`, as in
    /// Mongrel2, and goes on with what the first left.
    @Test(arguments: ["push", "broker"])
    func aKeepAliveConnectionKeepsItsCredits(mode: String) async throws {
        let gateway = try await gateway(mode: mode)
        let client = try gateway.connect()
        for _ in 0..<2 {
            try client.send(HTTPConnection.request("GET", "/credits/download?bytes=300000&piece=50000"))
            expectPattern(try client.readResponse().body, count: 300_000)
        }
        let entry = try #require(downloader(in: try report(gateway.port, server: gateway)))
        #expect(creditHeaders(entry) == ["102400", nil])
        #expect((entry["credit_events"] as? [Int] ?? []).reduce(0, +) == entry["sent"] as? Int)
    }

    /// A handler that ignores its credits and sends 200 kB in one message: the connection closes at once, with
    /// no answer, and the handler hears that its client is gone. The gateway goes on serving.
    @Test func aHandlerThatOverdrawsItsCreditsLosesTheConnection() async throws {
        let gateway = try await gateway()
        let client = try gateway.connect()
        try client.send(HTTPConnection.request("GET", "/credits/overdraw?bytes=200000"))
        #expect(try client.readToEnd().isEmpty)
        try await waitUntil("the disconnect notice") {
            try report(gateway.port, server: gateway).values.contains {
                ($0["sent"] as? Int ?? 0) > 200_000 && $0["disconnected"] as? Bool == true
            }
        }
        let next = try gateway.connect()
        try next.send(HTTPConnection.request("GET", "/credits/download?bytes=1000"))
        expectPattern(try next.readResponse().body, count: 1000)
    }

    /// A client that leaves mid-download: the handler is told, and stops.
    @Test func aClientLeavingMidDownloadIsNoticed() async throws {
        let gateway = try await gateway()
        let client = try gateway.connect(receiveBuffer: 65536)
        try client.send(HTTPConnection.request("GET", "/credits/download?bytes=\(20 << 20)&piece=65536"))
        try await waitUntil("the download to stall") { downloader(in: try report(gateway.port, server: gateway))?["waiting"] as? Bool == true }
        client.close()
        try await waitUntil("the disconnect notice") {
            downloader(in: try report(gateway.port, server: gateway))?["disconnected"] as? Bool == true
        }
        let entry = try #require(downloader(in: try report(gateway.port, server: gateway)))
        #expect(entry["waiting"] as? Bool == false)
    }

    /// A flow-controlled handler's WebSocket: each message repeats the handshake's `DOWNLOAD_CREDITS`, as Mongrel2's
    /// do, and each frame the handler sends earns its credits back.
    @Test func aWebSocketsFramesAreCreditedToo() async throws {
        let gateway = try await gateway()
        let client = try gateway.connect()
        try client.send(HTTPConnection.webSocketHandshake("/credits/ws"))
        #expect(try client.readResponse(toHead: true).status == 101)
        for word in ["one", "two", "three"].map({ Array($0.utf8) }) {
            try client.send(HTTPConnection.maskedFrame(0x81, word))
            #expect(try client.read(2 + word.count) == [0x81, UInt8(word.count)] + word)
        }
        var entry: [String: Any] = [:]
        try await waitUntil("the credits for the last echo") {
            entry = downloader(in: try report(gateway.port, server: gateway)) ?? [:]
            return (entry["credit_events"] as? [Int] ?? []).reduce(0, +) == entry["sent"] as? Int
        }
        #expect(creditHeaders(entry) == Array(repeating: "102400", count: 4))
        #expect((entry["credit_events"] as? [Int])?.count == 4, "the 101 and three frames")
    }

    /// The same handler behind Mongrel2 (`download.flow_control = 1`) and behind Lurcher: each request sees the
    /// same `DOWNLOAD_CREDITS` headers, and each written message earns the same credits event.
    @Test(.enabled(if: Mongrel2Process.isInstalled, "mongrel2-core is not installed: no comparison with Mongrel2"))
    func mongrel2AndLurcherGrantTheSameCredits() async throws {
        func downloads(port: Int, server: AnyObject) throws -> [String: Any] {
            let client = try HTTPConnection(port: port, server: server)
            for _ in 0..<2 {
                try client.send(HTTPConnection.request("GET", "/credits/download?bytes=250000&piece=40000"))
                expectPattern(try client.readResponse().body, count: 250_000)
            }
            return try #require(downloader(in: try report(port, server: server)))
        }
        let mongrel2 = try await Mongrel2Process(
            handlers: [.init(name: "paced", route: "/credits")], settings: ["download.flow_control": "1"])
        let handler = try ChildProcess(
            ["python3", TestPaths.pythonCreditsHandler] + mongrel2.handlerSpecs("paced"),
            outputPath: mongrel2.directory + "/paced.log")
        try await mongrel2.waitForHandler(answering: "/credits/report")
        let fromMongrel2 = try downloads(port: mongrel2.port, server: mongrel2)
        _ = handler
        let lurcher = try await gateway()
        let fromLurcher = try downloads(port: lurcher.port, server: lurcher)
        #expect(creditHeaders(fromMongrel2) == ["102400", nil])
        #expect(creditHeaders(fromLurcher) == creditHeaders(fromMongrel2))
        #expect(fromLurcher["credit_events"] as? [Int] == fromMongrel2["credit_events"] as? [Int])
        #expect(fromLurcher["sent"] as? Int == fromMongrel2["sent"] as? Int)
    }
}
