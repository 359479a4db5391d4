import Foundation
import Synchronization
import Testing

/// Handler pools scale live, restart one process at a time, and report crash loops.
@Suite struct PoolTests {
    /// The `hello` pool as `lurcher ctl status --json` reports it.
    private func pool(_ gateway: GatewayProcess, _ name: String = "hello") async throws -> [String: Any] {
        try await gateway.pool(name)
    }

    /// Requests the gateway has sent to the `hello` handler.
    private func dispatched(_ gateway: GatewayProcess) async throws -> Int {
        try await gateway.handlerStatus("hello")["dispatched"] as? Int ?? 0
    }

    private func readyCount(_ pool: [String: Any]) -> Int {
        processes(pool).filter { $0["state"] as? String == "ready" }.count
    }

    private func helloGateway(processes: Int = 1, extra: String = "max_processes = 3") async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "hello", route: "/hello", command: [TestPaths.helloHandler], processes: processes, extra: extra)
        ])
        try await gateway.waitForConnected("hello", processes)
        return gateway
    }

    @Test func poolsScaleUpAndDownBySignalAndByCtl() async throws {
        let gateway = try await helloGateway()
        gateway.child.signal(SIGTTIN)
        try await waitUntil("SIGTTIN to add a process") { try await readyCount(pool(gateway)) == 2 }
        #expect(try await gateway.ctl(["scale", "hello", "+1"]).status == 0)
        try await waitUntil("ctl scale +1 to add a process") { try await readyCount(pool(gateway)) == 3 }

        let tooMany = try await gateway.ctl(["scale", "hello", "4"])
        #expect(tooMany.status != 0)
        #expect(tooMany.output.contains("1...3"), "the error names the bounds")

        gateway.child.signal(SIGTTOU)
        try await waitUntil("SIGTTOU to remove a process") { try await processes(pool(gateway)).count == 2 }
        #expect(try await gateway.ctl(["scale", "hello", "1"]).status == 0)
        try await waitUntil("ctl scale 1 to leave one process") { try await processes(pool(gateway)).count == 1 }
        #expect(try await pool(gateway)["desired"] as? Int == 1)
        #expect(try gateway.get("/hello").status == 200)
    }

    @Test func aRollingRestartUnderLoadReplacesEveryProcessAndEveryRequestIsAnswered() async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "hello", route: "/hello", command: [TestPaths.helloHandler], processes: 2)], reply: 3)
        try await gateway.waitForConnected("hello", 2)
        let before = Set(try await processes(pool(gateway)).compactMap { $0["pid"] as? Int })
        #expect(before.count == 2)

        let restartDone = Flag()
        // Four clients, each on a thread of its own, that keep going until the restart is over (bounded by
        // count all the same). In push mode a request caught in a stopping handler's socket is answered 504
        // with a close: the client reconnects.
        let load = Task {
            try await withThrowingTaskGroup(of: [(status: Int, pid: Int?)].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await onThread {
                            var answers: [(status: Int, pid: Int?)] = []
                            var connection = try gateway.connect()
                            while !restartDone.isSet, answers.count < 20_000 {
                                try connection.send(HTTPConnection.request("GET", "/hello"))
                                let response = try connection.readResponse()
                                answers.append((response.status, response.helloPID.map(Int.init)))
                                if response.header("connection") == "close" { connection = try gateway.connect() }
                            }
                            return answers
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        try await waitUntil("the load to be under way") { try await dispatched(gateway) >= 100 }
        let restart = try await gateway.ctl(["restart", "hello"])
        restartDone.set()
        #expect(restart.status == 0, "\(restart.output)")
        #expect(restart.output.contains("replaced 2 process(es)"))
        let answers = try await load.value

        let after = try await pool(gateway)
        let pids = Set(processes(after).compactMap { $0["pid"] as? Int })
        #expect(pids.count == 2)
        #expect(pids.isDisjoint(with: before), "every process was replaced")
        #expect(after["generation"] as? Int == 2)
        // Every request was answered (readResponse would have thrown otherwise); push mode may lose a few to
        // the stopping handlers' sockets, and those are answered by the gateway, never left hanging.
        let failed = answers.filter { $0.status != 200 }
        #expect(failed.allSatisfy { $0.status == 504 || $0.status == 503 })
        #expect(failed.count <= 8, "lost \(failed.count) of \(answers.count)")
        let answeredBy = Set(answers.compactMap(\.pid))
        #expect(!answeredBy.isDisjoint(with: before) && !answeredBy.isDisjoint(with: pids), "the load ran across the restart")
    }

    @Test func sighupRestartsEveryPoolAndKeepsAScaleChange() async throws {
        let gateway = try await helloGateway(processes: 2)
        #expect(try await gateway.ctl(["scale", "hello", "3"]).status == 0)
        try await waitUntil("the third process") { try await readyCount(pool(gateway)) == 3 }
        let before = Set(try await processes(pool(gateway)).compactMap { $0["pid"] as? Int })
        gateway.child.signal(SIGHUP)
        try await waitUntil("the rolling restart to complete") {
            let pool = try await pool(gateway)
            return pool["generation"] as? Int == 2 && pool["restarting"] as? Bool == false
        }
        let after = Set(try await processes(pool(gateway)).compactMap { $0["pid"] as? Int })
        #expect(after.count == 3, "the scale change survived the restart (gunicorn resets it; Lurcher does not)")
        #expect(after.isDisjoint(with: before))
        #expect(try gateway.get("/hello").status == 200)
    }

    @Test func aCrashLoopingCommandIsBackedOffAndReported() async throws {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "broken", route: "/broken", command: ["sh", "-c", "exit 3"])
        ])
        var broken: [String: Any] = [:]
        try await waitUntil("the pool to be reported as crash-looping") {
            broken = try await pool(gateway, "broken")
            return broken["crashLooping"] as? Bool == true
        }
        #expect(broken["crashes"] as? Int ?? 0 >= 5, "reported after five quick exits in a row")
        #expect(try await gateway.ctl(["status"]).output.contains("CRASH-LOOPING"))
        // Backed off, not spinning: between the first start and the fifth come delays of 0.2, 0.4, 0.8 and
        // 1.6 seconds (log timestamps are whole seconds).
        let starts = gateway.log.split(separator: "\n").filter { $0.contains("started handler process") }
            .compactMap { line in ISO8601DateFormatter().date(from: String(line.prefix(24))) }
        #expect(starts.count >= 5)
        if starts.count >= 5 { #expect(starts[4].timeIntervalSince(starts[0]) >= 2) }
    }

    @Test func ctlWithoutARunningGatewaySaysSo() async throws {
        let directory = NSTemporaryDirectory() + "lurcher-ctl-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let command = try ChildProcess(
            [TestPaths.lurcher, "ctl", "status", "--socket", directory + "/nothing.sock"], outputPath: directory + "/out")
        #expect(try await command.waitForExit() == 69)
        #expect(command.output.contains("no gateway is running"))
        #expect(command.output.contains("lurcher start"))
    }

    @Test func sigtermLetsInFlightRequestsFinishBeforeStopping() async throws {
        let gateway = try await helloGateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/hello?sleep=1500"))
        try await waitUntil("the request to be in flight") { try await gateway.inFlight() == 1 }
        gateway.child.signal(SIGTERM)
        #expect(try connection.readResponse().status == 200)
        #expect(try await gateway.child.waitForExit() == 0)
    }

    @Test func aGracefulStopEndsAsSoonAsTheRequestInFlightIsAnswered() async throws {
        let gateway = try await helloGateway()
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("GET", "/hello?sleep=1000"))
        try await waitUntil("the request to be in flight") { try await gateway.inFlight() == 1 }
        // Timed on a thread of its own, which a busy cooperative pool cannot make late.
        let (status, stopped) = try await onThread {
            let asked = ContinuousClock.now
            gateway.child.signal(SIGTERM)
            let status = try connection.readResponse().status
            try waitUntilBlocking("the gateway to exit") { !gateway.child.isRunning }
            return (status, ContinuousClock.now - asked)
        }
        #expect(status == 200)
        #expect(try await gateway.child.waitForExit() == 0)
        // The harness's --stop-timeout is 5 s: a drain that waited for it would end later than this.
        #expect(stopped < .seconds(3), "stopped after \(stopped)")
    }

    @Test func sigquitStopsAtOnceWithoutOrphans() async throws {
        let gateway = try await helloGateway(processes: 2)
        let pids = try await processes(pool(gateway)).compactMap { ($0["pid"] as? Int).map(Int32.init) }
        gateway.child.signal(SIGQUIT)
        _ = try await gateway.child.waitForExit()
        for pid in pids { #expect(kill(pid, 0) == -1 && errno == ESRCH, "process \(pid) is gone") }
    }
}
