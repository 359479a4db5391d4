import Foundation
import Testing

/// A pool dies with its gateway, even one killed with SIGKILL, whatever language its handlers are written in;
/// what a dead gateway's handlers left behind is ended by the next `lurcher start` with the same run directory,
/// and nothing else is.
@Suite struct OrphanTests {
    @Test func aPoolDiesWithItsGatewayKilledWithSIGKILLWhateverItsLanguage() async throws {
        let gateway = try await GatewayProcess(handlers: [
            .init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler], processes: 2),
            .init(name: "hello", route: "/hello", command: [TestPaths.helloHandler]),
        ])
        try await gateway.waitForConnected("py", 2)
        try await gateway.waitForConnected("hello", 1)
        let python = try await poolPIDs(gateway, "py")
        let swift = try await poolPIDs(gateway, "hello")
        // The pid `ctl status` shows is the handler's own, not a launcher's.
        let pythonAnswer = try answeringPID(gateway.get("/py"))
        #expect(python.contains(try #require(pythonAnswer)))
        #expect(try swift == [#require(gateway.get("/hello").helloPID)])

        gateway.child.signal(SIGKILL)
        let left = try await survivors(of: python + swift, within: .seconds(1))
        #expect(left.isEmpty, "handler processes \(left) outlived the gateway by more than 1 s")
        left.forEach { kill($0, SIGKILL) }
    }

    @Test func afterARestartOnlyTheNewPoolAnswers() async throws {
        let first = try await GatewayProcess(handlers: [
            .init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler], processes: 2)
        ])
        try await first.waitForConnected("py", 2)
        let old = try await poolPIDs(first, "py")
        first.child.signal(SIGKILL)

        let second = try await GatewayProcess(after: first)
        try await second.waitForConnected("py", 2)
        let new = try await poolPIDs(second, "py")
        #expect(Set(new).isDisjoint(with: old))
        var answering: Set<Int32> = []
        for _ in 0..<20 {
            let pid = try answeringPID(second.get("/py"))
            answering.insert(try #require(pid))
        }
        #expect(answering.isSubset(of: new), "answers came from \(answering.subtracting(new)), not of the new pool \(new)")
        #expect(try await second.handlerStatus("py")["connected"] as? Int == 2)
        old.filter(isAlive).forEach { kill($0, SIGKILL) }
    }

    @Test func theNextStartEndsWhatCarriesThePreviousGenerationAndNothingElse() async throws {
        // A handler that starts a process of its own, which the parent-death signal does not reach.
        let grandchildFile = NSTemporaryDirectory() + "lurcher-grandchild-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: grandchildFile) }
        let first = try await GatewayProcess(handlers: [
            .init(
                name: "py", route: "/py",
                command: ["sh", "-c", "sleep 300 & echo $! > \(grandchildFile); exec python3 \(TestPaths.pythonHandler)"])
        ])
        try await first.waitForConnected("py", 1)
        let handler = try #require(try await poolPIDs(first, "py").first)
        let grandchild = try #require(Int32(String(contentsOfFile: grandchildFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let record = try String(contentsOfFile: first.directory + "/control.generation", encoding: .utf8)
        let generation = try #require(record.split(separator: "\n").first { $0.hasPrefix("generation=") }?.dropFirst("generation=".count))
        #expect(environment(of: grandchild).contains("LURCHER_GATEWAY_GENERATION=\(generation)"))
        // Processes of another gateway run, and of none: not to be touched.
        let otherRun = try ChildProcess(
            ["sleep", "300"], environment: ["LURCHER_GATEWAY_GENERATION": UUID().uuidString],
            outputPath: first.directory + "/other-run.log")
        let noRun = try ChildProcess(["sleep", "300"], outputPath: first.directory + "/no-run.log")
        try await waitUntil("the test's own processes to start sleeping") {
            [otherRun.pid, noRun.pid].allSatisfy { command(of: $0) == "sleep" }
        }

        first.child.signal(SIGKILL)
        try? await waitUntil("the handler to die with the gateway", timeout: .seconds(1)) { !isAlive(handler) }
        #expect(!isAlive(handler))
        if isAlive(handler) { kill(handler, SIGKILL) }
        #expect(isAlive(grandchild), "the grandchild outlives the gateway: only the sweep can end it")
        let second = try await GatewayProcess(after: first)
        // The sweep waits for what it killed, before the new gateway listens.
        #expect(!isAlive(grandchild), "the next start ended the grandchild of the killed gateway's handler")
        let run = try await second.runStatus()
        #expect(run["previousGeneration"] as? String == String(generation))
        #expect(run["endedFromPreviousRun"] as? Int == 1)
        #expect(otherRun.isRunning && noRun.isRunning, "processes of another generation, or of none, are left alone")
        if isAlive(grandchild) { kill(grandchild, SIGKILL) }
        // The new pool's handler started a grandchild too, which a clean stop does not end either.
        try await second.stop()
        let next = Int32(try String(contentsOfFile: grandchildFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        if let next, next != grandchild, command(of: next) == "sleep" { kill(next, SIGKILL) }
    }

    @Test func aSecondGatewayWithTheSameRunDirectoryLeavesTheFirstAndItsPoolAlone() async throws {
        let first = try await GatewayProcess(handlers: [
            .init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])
        ])
        try await first.waitForConnected("py", 1)
        let pool = try await poolPIDs(first, "py")
        do {
            _ = try await GatewayProcess(after: first)
            Issue.record("a second gateway should not start with a live gateway's run directory")
        } catch let error as GatewayProcess.GatewayExited {
            #expect(error.log.contains("a gateway (pid \(first.child.pid)) is already running"))
            #expect(error.log.contains("Fix:"))
        }
        #expect(try await poolPIDs(first, "py") == pool)
        #expect(pool.allSatisfy(isAlive))
        #expect(try answeringPID(first.get("/py")) == pool.first)
    }

    @Test func aHandlerStartsWithNoSignalBlockedOrIgnored() async throws {
        // The launcher between the gateway and the handler is a Swift program, whose runtime blocks signals.
        let gateway = try await GatewayProcess(handlers: [.init(name: "sleeper", route: "/s", command: ["sleep", "300"])])
        let pid = try #require(try await poolPIDs(gateway, "sleeper").first)
        try await waitUntil("the handler's own program to run") { command(of: pid) == "sleep" }
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
        func mask(_ name: String) throws -> UInt64 {
            try #require(status.first { $0.hasPrefix(name + ":\t") }.flatMap { UInt64($0.dropFirst(name.count + 2), radix: 16) })
        }
        #expect(try mask("SigBlk") == 0)
        // Signals 1 to 31: glibc's posix_spawn leaves its own internal ones (32 and up) ignored in any program.
        #expect(try mask("SigIgn") & 0x7fff_ffff == 0)
    }

    @Test func theLauncherRunsNothingOnceTheGatewayThatSpawnedItIsGone() async throws {
        // The gateway can die before the launcher has armed the death signal; the launcher then sees another
        // parent (here: the test, not pid 1) and must not run the handler.
        let ran = NSTemporaryDirectory() + "lurcher-ran-\(UUID().uuidString.prefix(8))"
        let launcher = try ChildProcess(
            [TestPaths.lurcher, "exec-handler", "--gateway-pid", "1", "--", "touch", ran],
            outputPath: NSTemporaryDirectory() + "lurcher-launcher-\(UUID().uuidString.prefix(8)).log")
        defer {
            try? FileManager.default.removeItem(atPath: launcher.outputPath)
            try? FileManager.default.removeItem(atPath: ran)
        }
        #expect(try await launcher.waitForExit() == 1)
        #expect(launcher.output.contains("the gateway (pid 1) has gone"))
        #expect(!FileManager.default.fileExists(atPath: ran))
    }

    // MARK: - Processes

    private func poolPIDs(_ gateway: GatewayProcess, _ name: String) async throws -> [Int32] {
        processes(try await gateway.pool(name)).compactMap { ($0["pid"] as? Int).map(Int32.init) }
    }

    /// The processes of `pids` still alive once all have died or `timeout` has passed.
    private func survivors(of pids: [Int32], within timeout: Duration) async throws -> [Int32] {
        try? await waitUntil("processes \(pids) to die", timeout: timeout) { !pids.contains(where: isAlive) }
        return pids.filter(isAlive)
    }
}

/// The name of the program `pid` runs.
private func command(of pid: Int32) -> String? {
    (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
}

/// The environment `pid` was started with, as `KEY=VALUE` strings.
private func environment(of pid: Int32) -> [String] {
    (FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()).split(separator: 0).map {
        String(decoding: $0, as: UTF8.self)
    }
}

/// The pid in the Python handler's answer.
private func answeringPID(_ response: HTTPResponse) throws -> Int32? {
    (try response.json()["pid"] as? Int).map(Int32.init)
}
