import Foundation
import Testing

/// A client that closes its connection while its request waits (a browser tab closed on a long poll) has left:
/// the handler is told at once, the request's place is freed, and the access log says 499.
@Suite struct ClientDepartureTests {
    /// The connection ids a handler has been told of, from its `/disconnects` answer, asked on `connection`:
    /// one kept open, because closing it would add its own id to the list.
    private func disconnects(on connection: HTTPConnection, at path: String) throws -> [String] {
        try connection.send(HTTPConnection.request("GET", path))
        let response = try connection.readResponse()
        #expect(response.status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String])
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
        client.close()
        let closed = ContinuousClock.now
        // The reply timeout is 10 s: a notice within 1 s can only come from the close.
        try await waitUntil("the disconnect notice", timeout: .seconds(1)) {
            try disconnects(on: observer, at: "/py/disconnects").count == 1
        }
        #expect(ContinuousClock.now - closed < .seconds(1))
        #expect(try await gateway.inFlight() == 0)
        let lines = try await gateway.lines(of: accessLog, atLeast: 1)
        #expect(lines.first?.contains("\"GET /py/never HTTP/1.1\" 499 - ") == true, "\(lines)")
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
        client.close()
        // The process takes one request at a time: until its place is freed, nothing else reaches it.
        try await waitUntil("the place to be freed", timeout: .seconds(1)) { try await busy() == 0 }
        #expect(try disconnects(on: observer, at: "/py/disconnects").count == 1)
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
        try await waitUntil("the held request to be dropped", timeout: .seconds(1)) { try await held() == 0 }
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
