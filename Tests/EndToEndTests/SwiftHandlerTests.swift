import Foundation
import Testing

/// Handlers written with the Swift library, run by `lurcher start` as separate processes.
@Suite struct SwiftHandlerTests {
    private func gateway() async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "echo", route: "/echo", command: [TestPaths.echoHandler]),
            .init(name: "hello", route: "/hello", command: [TestPaths.helloHandler]),
        ])
        try await gateway.waitForConnected("hello", 1)
        try await gateway.waitForConnected("echo", 1)
        return gateway
    }

    @Test func getIsAnsweredByASeparateSwiftHandlerProcess() async throws {
        let gateway = try await gateway()
        let response = try gateway.get("/hello")
        #expect(response.status == 200)
        #expect(response.text.hasPrefix("Hello from Lurcher (pid "))
        let pid = response.helloPID ?? 0
        #expect(pid != 0 && pid != gateway.child.pid, "a separate process answered")
    }

    @Test func postBodyAndHeadersReachTheSwiftHandler() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("POST", "/echo/items?x=1", headers: ["X-Trace": "abc"], body: "{\"a\":1}"))
        let echo = try connection.readResponse().json()
        #expect(echo["method"] as? String == "POST")
        #expect(echo["path"] as? String == "/echo/items")
        #expect(echo["query"] as? String == "x=1")
        #expect(echo["body"] as? String == "{\"a\":1}")
        #expect((echo["headers"] as? [String: Any])?["x-trace"] as? String == "abc")
    }

    @Test func aStreamedResponseArrivesAsChunksInOneResponse() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/echo/s?stream=3"))
        let response = try connection.readResponse()
        #expect(response.header("transfer-encoding") == "chunked")
        let lines = response.text.split(separator: "\n")
        #expect(lines.count == 3)
        // The connection is still usable after the streamed response ended.
        try connection.send(HTTPConnection.request("GET", "/hello"))
        #expect(try connection.readResponse().status == 200)
    }

    @Test func anEmptyReplyFromTheSwiftLibraryClosesTheConnection() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/hello?close=1"))
        #expect(try connection.isClosedByServer())
    }

    @Test func aHEADRequestGetsHeadersWithoutABody() async throws {
        let gateway = try await gateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("HEAD", "/hello"))
        let response = try connection.readResponse(toHead: true)
        #expect(response.status == 200)
        #expect(Int(response.header("content-length") ?? "") ?? 0 > 0)
        // The next response starts right away: no body bytes were sent for HEAD.
        try connection.send(HTTPConnection.request("GET", "/hello"))
        #expect(try connection.readResponse().text.hasPrefix("Hello"))
    }
}

/// A Swift handler told to stop finishes the request it holds before it exits.
@Suite struct HandlerDrainTests {
    @Test func sigtermLetsTheRequestInHandFinishThenTheHandlerExits() async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "hello", route: "/hello", command: nil)])
        let handler = try ChildProcess(
            [TestPaths.helloHandler], environment: gateway.handlerEnvironment("hello").merging(["LURCHER_LOG_LEVEL": "debug"]) { $1 },
            outputPath: gateway.directory + "/hello.log")
        try await gateway.waitForConnected("hello", 1)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/hello?sleep=1500"))
        try await waitUntil("the handler to take the request") { handler.output.contains("took request") }
        handler.signal(SIGTERM)
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(response.text.contains("pid \(handler.pid)"))
        #expect(try await handler.waitForExit() == 0)
    }
}
