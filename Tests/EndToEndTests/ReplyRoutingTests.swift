import Foundation
import Testing

/// Replies are routed by connection id: to one connection, to several, or as a close.
@Suite struct ReplyRoutingTests {
    private func gateway(reply: Double = 10) async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])], reply: reply)
        try await gateway.waitForConnected("py", 1)
        return gateway
    }

    @Test func keepAliveRequestsShareOneConnectionID() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        var ids: [String] = []
        for _ in 0..<3 {
            try connection.send(HTTPConnection.request("GET", "/py/k"))
            ids.append(try connection.readResponse().json()["conn_id"] as? String ?? "")
        }
        #expect(Set(ids).count == 1)
        #expect(!ids[0].isEmpty)
        let other = try gateway.get("/py/k").json()["conn_id"] as? String
        #expect(other != ids[0], "another connection gets another id")
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        let targets = (1...8).map { $0 % 3 == 0 ? "/index.html?n=\($0)" : "/py/p?n=\($0)" }
        try connection.send(targets.map { HTTPConnection.request("GET", $0) }.joined())
        for target in targets {
            let response = try connection.readResponse()
            #expect(response.status == 200)
            if target.hasPrefix("/py") {
                let headers = try #require(try response.json()["headers"] as? [String: Any])
                #expect(headers["URI"] as? String == target)
            } else {
                #expect(response.header("content-type")?.hasPrefix("text/html") == true)
            }
        }
    }

    @Test func oneReplyReachesEveryConnectionItNames() async throws {
        let gateway = try await gateway()
        let connections = try (0..<3).map { _ in try gateway.connect() }
        for connection in connections { try connection.send(HTTPConnection.request("GET", "/py/gather?n=3")) }
        let bodies = try connections.map { try $0.readResponse() }
        #expect(bodies.allSatisfy { $0.status == 200 })
        #expect(Set(bodies.map(\.text)).count == 1, "the same reply went to all three")
        let ids = try JSONSerialization.jsonObject(with: Data(bodies[0].body)) as? [String]
        #expect(ids?.count == 3)
    }

    @Test func anEmptyReplyClosesTheConnection() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/py/close"))
        #expect(try connection.isClosedByServer())
    }

    @Test func theHandlerHearsWhenAWaitingClientLeaves() async throws {
        let gateway = try await gateway()
        var client: HTTPConnection? = try gateway.connect()
        try client!.send(HTTPConnection.request("GET", "/py/who"))
        let id = try #require(try client!.readResponse().json()["conn_id"] as? String)
        try client!.send(HTTPConnection.request("GET", "/py/never"))
        client = nil  // closes the socket while the request waits
        try await waitUntil("the disconnect notice for \(id)") {
            let disconnected = try JSONSerialization.jsonObject(with: Data(try gateway.get("/py/disconnects").body)) as? [String]
            return disconnected?.contains(id) == true
        }
    }

    @Test func aReplyToAnUnknownConnectionEarnsADisconnectNotice() async throws {
        let gateway = try await gateway()
        #expect(try gateway.get("/py/unknown").status == 200)
        try await waitUntil("the disconnect notice for connection 999999") {
            let disconnected = try JSONSerialization.jsonObject(with: Data(try gateway.get("/py/disconnects").body)) as? [String]
            return disconnected?.contains("999999") == true
        }
    }

    @Test func aHandlerThatNeverRepliesGets504() async throws {
        let gateway = try await gateway(reply: 1)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/py/never"))
        let response = try connection.readResponse()
        #expect(response.status == 504)
        #expect(response.header("connection") == "close")
        #expect(try connection.isClosedByServer())
    }
}
