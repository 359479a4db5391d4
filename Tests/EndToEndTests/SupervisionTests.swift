import Foundation
import Testing

/// `lurcher start` launches the configured handler processes, keeps them running, and stops them.
@Suite struct SupervisionTests {
    /// The pids of a pool's processes now, as `ctl status` reports them.
    private func pids(_ gateway: GatewayProcess, pool name: String) async throws -> [Int32] {
        (try await gateway.pool(name)["processes"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int32 }
    }

    @Test func aKilledHandlerProcessIsRestartedAndServesAgain() async throws {
        let gateway = try await GatewayProcess(handlers: [.init(name: "hello", route: "/hello", command: [TestPaths.helloHandler])])
        try await gateway.waitForConnected("hello", 1)
        let first = try #require(try gateway.get("/hello").helloPID)
        #expect(try await pids(gateway, pool: "hello") == [first])
        kill(first, SIGKILL)
        var replacement: [Int32] = []
        try await waitUntil("a new process to be started") {
            replacement = try await pids(gateway, pool: "hello")
            return replacement.count == 1 && replacement != [first]
        }
        // Held until the new process connects, then answered by it.
        let second = try #require(try gateway.get("/hello").helloPID)
        #expect(second != first)
        #expect(replacement == [second])
    }

    @Test func sigtermStopsTheGatewayAndEveryHandlerProcess() async throws {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "hello", route: "/hello", command: [TestPaths.helloHandler], processes: 2),
            .init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler]),
        ])
        var handlerPIDs: [Int32] = []
        try await waitUntil("three handler processes") {
            handlerPIDs = try await pids(gateway, pool: "hello") + pids(gateway, pool: "py")
            return handlerPIDs.count == 3
        }
        #expect(try await gateway.stop() == 0)
        for pid in handlerPIDs {
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "handler process \(pid) is gone, not orphaned or a zombie")
        }
    }

    @Test func withStopWithParentTheGatewayStopsCleanlyAsSoonAsItsParentDies() async throws {
        // A shell starts the gateway and is then killed, as a harness that dies would be.
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "hello", route: "/hello", command: [TestPaths.helloHandler])], throughShell: true)
        var pool: [String: Any] = [:]
        try await waitUntil("the handler to be ready") {
            pool = try await gateway.pool("hello")
            return processes(pool).first?["state"] as? String == "ready"
        }
        let gatewayPID = try #require(gateway.gatewayPID)
        let handlerPID = processes(pool).first?["pid"] as? Int
        let handler = Int32(try #require(handlerPID))

        // Timed on a thread of its own, which a busy cooperative pool cannot make late.
        let stopped = try await onThread {
            let killed = ContinuousClock.now
            gateway.child.signal(SIGKILL)
            try waitUntilBlocking("the gateway and its handler to stop", timeout: .seconds(10)) {
                !isAlive(gatewayPID) && !isAlive(handler)
            }
            return ContinuousClock.now - killed
        }
        #expect(stopped < .seconds(2), "stopped after \(stopped)")
        // Only a clean stop closes the control server, which removes its socket.
        #expect(!FileManager.default.fileExists(atPath: gateway.controlSocket), "the gateway stopped cleanly")
    }

    @Test func aCommandThatCannotStartIsReportedAndTheGatewayExits() async throws {
        do {
            _ = try await GatewayProcess(handlers: [.init(name: "ghost", route: "/g", command: ["/no/such/handler"])])
            Issue.record("the gateway should not start")
        } catch let error as GatewayProcess.GatewayExited {
            #expect(error.log.contains("cannot start /no/such/handler"))
            #expect(error.log.contains("Fix:"))
        }
    }
}
