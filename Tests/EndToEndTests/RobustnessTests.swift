import Foundation
import Testing

/// Bad input from clients and from handlers gets a clear answer and harms nobody else.
@Suite struct RobustnessTests {
    private func gateway(reply: Double = 10, limits: String = "") async throws -> GatewayProcess {
        try await GatewayProcess.withPythonHandler(reply: reply, limits: limits)
    }

    @Test func aMalformedRequestGets400AndTheGatewayKeepsServing() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send("THIS IS NOT HTTP\r\n\r\n")
        let response = try connection.readResponse()
        #expect(response.status == 400)
        #expect(response.header("connection") == "close")
        #expect(try connection.isClosedByServer())
        #expect(try gateway.get("/py/after").status == 200)
    }

    @Test func aMalformedReplyIsDroppedWithoutHarmingOtherConnections() async throws {
        let gateway = try await gateway(reply: 2)
        let broken = try gateway.connect()
        try broken.send(HTTPConnection.request("GET", "/py/malformed"))
        try await waitUntil("the malformed reply to be dropped") {
            try await gateway.handlerStatus("py")["malformedReplies"] as? Int == 1
        }
        #expect(try gateway.get("/py/fine").status == 200)
        #expect(try broken.readResponse().status == 504, "the request whose reply was dropped still gets an answer")
    }

    @Test func aReplyThatIsNotHTTPGets502() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/py/not-http"))
        #expect(try connection.readResponse().status == 502)
        #expect(try gateway.get("/py/fine").status == 200)
    }

    @Test func oversizedRequestsGetTheirOwnStatusAndNeverReachTheHandler() async throws {
        let gateway = try await gateway(limits: "max_uri_bytes = 64\nmax_header_bytes = 256\nmax_body_bytes = 32")
        let cases: [(request: String, status: Int)] = [
            (HTTPConnection.request("GET", "/py/" + String(repeating: "u", count: 100)), 414),
            (HTTPConnection.request("GET", "/py/h", headers: ["X-Big": String(repeating: "h", count: 400)]), 431),
            (HTTPConnection.request("POST", "/py/b", body: String(repeating: "b", count: 64)), 413),
        ]
        for (request, status) in cases {
            let connection = try gateway.connect()
            try connection.send(request)
            let response = try connection.readResponse()
            #expect(response.status == status)
            #expect(response.header("connection") == "close")
        }
        let seen = try JSONSerialization.jsonObject(with: Data(try gateway.get("/py/disconnects").body)) as? [String]
        #expect(seen != nil, "the handler is still answering")
    }

    @Test func aMethodOtherThanGetOrHeadOnAFileGets405WithAllow() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("DELETE", "/index.html"))
        let response = try connection.readResponse()
        #expect(response.status == 405)
        #expect(response.header("allow") == "GET, HEAD")
    }

    @Test func aClientThatStallsMidRequestGets408AndIsClosed() async throws {
        let gateway = try await GatewayProcess(handlers: [], request: 1)
        let slow = try gateway.connect()
        try slow.send("GET /index.html HTTP/1.1\r\nHost: local")  // and then nothing
        let response = try slow.readResponse()
        #expect(response.status == 408)
        #expect(try slow.isClosedByServer())
        #expect(try gateway.get("/index.html").status == 200, "other clients are served meanwhile")
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout() async throws {
        let gateway = try await GatewayProcess(handlers: [], keepAlive: 1)
        let idle = try gateway.connect()
        try idle.send(HTTPConnection.request("GET", "/index.html"))
        #expect(try idle.readResponse().status == 200)
        // The receive blocks until the gateway closes the idle connection (or fails after 15 s).
        #expect(try idle.isClosedByServer())
        let status = try await gateway.gatewayStatus()
        #expect(
            status["clientsTooSlowToSend"] as? Int == 0 && status["clientsTooSlowToRead"] as? Int == 0,
            "an idle close is not a slow-client event")
    }
}

