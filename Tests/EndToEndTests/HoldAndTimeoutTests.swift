import Foundation
import Testing

/// Requests wait for a handler instead of failing, and every wait ends with an answer.
@Suite struct HoldAndTimeoutTests {
    @Test func aRequestIsHeldUntilAHandlerStartsAndThenAnswered() async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "py", route: "/py", command: nil)], hold: 20)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/py/early"))
        try await waitUntil("the gateway to hold the request") { gateway.log.contains("holding requests") }
        let handler = try ChildProcess(
            ["python3", TestPaths.pythonHandler], environment: gateway.handlerEnvironment("py"),
            outputPath: gateway.directory + "/python.log")
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(try response.json()["pid"] as? Int == Int(handler.pid))
    }

    @Test func aHeldRequestGets503WithRetryAfterWhenTheHoldTimesOut() async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "py", route: "/py", command: nil)], hold: 1)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/py/nobody"))
        let response = try connection.readResponse()
        #expect(response.status == 503)
        #expect(response.header("retry-after") != nil)
        // The request never reached a handler, so the connection stays usable.
        try connection.send(HTTPConnection.request("GET", "/index.html"))
        #expect(try connection.readResponse().status == 200)
    }
}
