import Foundation
import Testing

/// `lurcher ctl reload` and SIGUSR2 apply a changed configuration without dropping connections, and an
/// invalid one changes nothing.
@Suite struct ReloadTests {
    private static let pyRoute = "\"/py\" = { handler = \"py\" }\n"

    /// Rewrites the gateway's configuration file.
    private func rewrite(_ gateway: GatewayProcess, _ change: (String) -> String) throws {
        let text = try String(contentsOfFile: gateway.configPath, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the test changed the configuration")
        try changed.write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
    }

    @Test func aReloadedRouteServesTheNextRequestOnAnOpenKeepAliveConnection() async throws {
        let gateway = try await pythonGateway(extra: "")
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/extra/thing"))
        #expect(try connection.readResponse().status == 404)

        try rewrite(gateway) { $0.replacingOccurrences(of: Self.pyRoute, with: Self.pyRoute + "\"/extra\" = { handler = \"py\" }\n") }
        let reload = try await gateway.ctl(["reload"])
        #expect(reload.status == 0, "ctl reload: \(reload.output)")

        try connection.send(HTTPConnection.request("GET", "/extra/thing"))
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(try response.json()["path"] as? String == "/extra/thing")
    }

    @Test func anInvalidReloadIsRejectedWithTheReasonAndChangesNothing() async throws {
        let gateway = try await pythonGateway(extra: "")
        let connection = try gateway.connect()
        try rewrite(gateway) {
            $0.replacingOccurrences(of: Self.pyRoute, with: Self.pyRoute + "\"/extra\" = { handler = \"nobody\" }\n")
        }
        let reload = try await gateway.ctl(["reload"])
        #expect(reload.status != 0)
        #expect(reload.output.contains(gateway.configPath))
        #expect(reload.output.contains("handler"))
        #expect(reload.output.contains("no handler is named \"nobody\""))
        #expect(reload.output.contains("Fix:"))

        try connection.send(HTTPConnection.request("GET", "/py/created"))
        #expect(try connection.readResponse().status == 201, "the old routes still serve on the open connection")
        try connection.send(HTTPConnection.request("GET", "/extra/thing"))
        #expect(try connection.readResponse().status == 404, "the rejected route was not added")
    }

    @Test func aReloadThatAddsAHandlerIsRejectedBecauseItNeedsARestart() async throws {
        let gateway = try await pythonGateway(extra: "")
        try rewrite(gateway) {
            $0 + "\n[handlers.more]\nsend_spec = \"ipc://\(gateway.directory)/more-req\"\n"
                + "recv_spec = \"ipc://\(gateway.directory)/more-rep\"\nsend_ident = \"more\"\n"
        }
        let reload = try await gateway.ctl(["reload"])
        #expect(reload.status != 0)
        #expect(reload.output.contains("handlers.more"))
        #expect(reload.output.contains("restart lurcher"))
    }

    @Test func sigusr2ReloadsPoolSizes() async throws {
        let gateway = try await pythonGateway(extra: "")
        try rewrite(gateway) { $0.replacingOccurrences(of: "processes = 1\n", with: "processes = 2\n") }
        gateway.child.signal(SIGUSR2)
        try await waitUntil("the pool to grow to 2 processes") {
            let status = try await gateway.ctl(["status", "--json"])
            let pools = (try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])?["pools"] as? [[String: Any]]
            return (pools?.first?["processes"] as? [Any])?.count == 2
        }
        // The pool's new process shows as soon as it is started; the reload counts once the pools are reconfigured.
        try await waitUntil("the reload to be counted") { try await gateway.runStatus()["reloads"] as? Int == 1 }
    }
}
