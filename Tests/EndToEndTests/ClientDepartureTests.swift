import Foundation
import Testing

/// A client that closes its connection while its request waits (a browser tab closed on a long poll) has left:
/// the handler is told at once, the request's place is freed, and the access log says 499.
@Suite struct ClientDepartureTests {
    /// When the handler got each disconnect notice (connection id to seconds since the epoch), from its
    /// `/disconnected-at` answer, asked on `connection`: one kept open, because closing it would add its own.
    private func disconnectedAt(on connection: HTTPConnection, at path: String) throws -> [String: Double] {
        try connection.send(HTTPConnection.request("GET", path))
        let response = try connection.readResponse()
        #expect(response.status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Double])
    }

    /// Waits for the one disconnect notice the handler should get, and returns how long after `closed` (seconds
    /// since the epoch) it arrived, by the handler's own clock: the test's polls may be slow on a loaded machine,
    /// the notice may not. The wait ends well before the reply timeout (10 s), which would also bring a notice.
    private func noticeDelay(on connection: HTTPConnection, at path: String, closed: Double) async throws -> Double {
        var times: [String: Double] = [:]
        try await waitUntil("the disconnect notice", timeout: .seconds(8)) {
            times = try disconnectedAt(on: connection, at: path)
            return !times.isEmpty
        }
        #expect(times.count == 1, "\(times)")
        return try #require(times.values.first) - closed
    }

    @Test func aPushHandlerIsToldAtOnceAndTheAccessLogSays499() async throws {
        let accessLog = NSTemporaryDirectory() + "lurcher-access-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: accessLog) }
        let gateway = try await pythonGateway(extra: "[access_log]\npath = \"\(accessLog)\"")
        let observer = try gateway.connect()
        let client = try gateway.connect()
        try client.send(HTTPConnection.request("GET", "/py/never"))
        try await waitUntil("the request to reach the handler") {
            try await gateway.handlerStatus("py")["dispatched"] as? Int == 1
        }
        let closed = Date().timeIntervalSince1970
        client.close()
        #expect(try await noticeDelay(on: observer, at: "/py/disconnected-at", closed: closed) < 1)
        #expect(try await gateway.inFlight() == 0)
        // Lines are written in batches off the event loop, so the polls' own lines may come first.
        var line: String?
        try await waitUntil("the access log line of the request") {
            line = try await gateway.lines(of: accessLog, atLeast: 1).first { $0.contains("GET /py/never ") }
            return line != nil
        }
        #expect(line?.contains("\"GET /py/never HTTP/1.1\" 499 - ") == true, "\(line ?? "")")
    }

    @Test func aBrokerProcessIsToldAndItsPlaceIsFreed() async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonBrokerHandler], mode: "broker")])
        let busy = { () async throws -> Int? in processes(try await gateway.handlerStatus("py")).first?["busy"] as? Int }
        try await waitUntil("the process to say READY") { try await busy() == 0 }
        let observer = try gateway.connect()
        let client = try gateway.connect()
        try client.send(HTTPConnection.request("GET", "/py/never"))
        try await waitUntil("the process to hold the request") { try await busy() == 1 }
        let closed = Date().timeIntervalSince1970
        client.close()
        // The process takes one request at a time: until its place is freed, nothing else reaches it, so the
        // notice's answer also shows the place free.
        #expect(try await noticeDelay(on: observer, at: "/py/disconnected-at", closed: closed) < 1)
        #expect(try await busy() == 0)
        #expect(try await gateway.inFlight() == 0)
    }

    @Test(arguments: ["push", "broker"])
    func aHeldRequestLeavesTheQueue(mode: String) async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "py", route: "/py", command: nil, mode: mode)], hold: 30)
        let held = { () async throws -> Int? in try await gateway.handlerStatus("py")["held"] as? Int }
        let client = try gateway.connect()
        try client.send(HTTPConnection.request("GET", "/py/early"))
        try await waitUntil("the gateway to hold the request") { try await held() == 1 }
        client.close()
        // `ctl status` is a process of its own, slow on a loaded machine; the hold timeout (30 s) is far off.
        try await waitUntil("the held request to be dropped", timeout: .seconds(5)) { try await held() == 0 }
        #expect(try await gateway.inFlight() == 0)
    }

    @Test func aHalfClosedClientWithNothingOutstandingIsStillAnswered() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let client = try gateway.connect()
        // No handler holds anything: the file is sent, then the connection closes, as before.
        try client.send(HTTPConnection.request("GET", "/index.html"))
        client.shutdownWrite()
        #expect(try client.readResponse().status == 200)
        #expect(try client.isClosedByServer())
    }
}
