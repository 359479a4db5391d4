import Foundation
import Testing

/// Requests wait for a handler instead of failing, and every wait ends with an answer.
@Suite struct HoldAndTimeoutTests {
    @Test(arguments: ["push", "broker"])
    func aRequestIsHeldUntilAHandlerStartsAndThenAnswered(mode: String) async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "py", route: "/py", command: nil, mode: mode)], hold: 20)
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/py/early"))
        try await waitUntil("the gateway to hold the request") { try await gateway.handlerStatus("py")["held"] as? Int == 1 }
        let handler = try ChildProcess(
            ["python3", mode == "push" ? TestPaths.pythonHandler : TestPaths.pythonBrokerHandler],
            environment: gateway.handlerEnvironment("py", mode: mode), outputPath: gateway.directory + "/python.log")
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(try response.json()["pid"] as? Int == Int(handler.pid))
    }

    @Test(arguments: ["push", "broker"])
    func aHeldRequestGets503WithRetryAfterWhenTheHoldTimesOut(mode: String) async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "py", route: "/py", command: nil, mode: mode)], hold: 1)
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
