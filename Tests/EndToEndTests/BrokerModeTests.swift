import Foundation
import Synchronization
import Testing

/// Broker mode: the gateway as a ROUTER job broker, which knows which process holds which request.
@Suite struct BrokerModeTests {
    /// A broker-mode `hello` pool of `processes`, each taking `concurrency` requests at once.
    private func helloBroker(
        processes: Int = 2, concurrency: Int = 1, heartbeat: String = "", jobs: Bool = false,
        command: String = TestPaths.helloHandler
    ) async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [
                .init(
                    name: "hello", route: "/hello", command: [command], processes: processes, mode: "broker",
                    jobs: jobs, extra: "environment = { LURCHER_MAX_CONCURRENT_REQUESTS = \"\(concurrency)\" }\n\(heartbeat)")
            ], reply: 30)
        try await waitUntil("\(processes) broker-mode processes to say READY") {
            try await brokerProcesses(gateway).count == processes
        }
        return gateway
    }

    /// The processes the broker knows, from `ctl status`.
    private func brokerProcesses(_ gateway: GatewayProcess) async throws -> [[String: Any]] {
        processes(try await gateway.handlerStatus("hello"))
    }

    /// The pid of the process that holds `handler`'s one request in hand, as `ctl status` reports it.
    ///
    /// Blocking: tests call it inside `onThread`, together with what must follow at once (a kill, a request
    /// that must find the process still busy), because on a loaded machine the cooperative pool that async
    /// waits resume on can be seconds late, and a slow request would be over before the test acted.
    private static func processHolding(in gateway: GatewayProcess, handler name: String = "hello") throws -> Int32 {
        var holding: [Int32] = []
        try waitUntilBlocking("the gateway to send \(name) a request") {
            holding = processes(try handler(name, in: gateway.statusBlocking()))
                .filter { ($0["busy"] as? Int ?? 0) > 0 }.compactMap { $0["processID"] as? Int32 }
            return !holding.isEmpty
        }
        #expect(holding.count == 1, "one process holds the request: \(holding)")
        return holding[0]
    }

    @Test func aSlowRequestDoesNotDelayRequestsAnIdleProcessCanTake() async throws {
        let gateway = try await helloBroker()
        let (slowPID, fastPIDs, slowResponse) = try await onThread {
            let slow = try gateway.connect()
            try slow.send(HTTPConnection.request("GET", "/hello?sleep=3000"))
            let slowPID = try Self.processHolding(in: gateway)
            // Push mode would send every other one of these to the busy process, behind the slow request.
            let fast = try gateway.connect()
            var fastPIDs: [Int32?] = []
            for _ in 0..<6 {
                try fast.send(HTTPConnection.request("GET", "/hello"))
                fastPIDs.append(try fast.readResponse().helloPID)
            }
            return (slowPID, fastPIDs, try slow.readResponse())
        }
        #expect(fastPIDs.allSatisfy { $0 != nil && $0 != slowPID }, "the busy process \(slowPID) got none of \(fastPIDs)")
        #expect(slowResponse.status == 200)
        #expect(slowResponse.helloPID == slowPID)
    }

    @Test func aGETHeldByAKilledProcessIsAnsweredByAnother() async throws {
        let gateway = try await helloBroker()
        let (victim, response) = try await onThread {
            let client = try gateway.connect()
            // The second process takes as long again.
            try client.send(HTTPConnection.request("GET", "/hello?sleep=2000"))
            let victim = try Self.processHolding(in: gateway)
            kill(victim, SIGKILL)
            return (victim, try client.readResponse())
        }
        #expect(response.status == 200)
        #expect(response.helloPID != nil && response.helloPID != victim)
        #expect(try await gateway.handlerStatus("hello")["redispatched"] as? Int == 1, "the lost GET was sent to another process")
    }

    @Test func aPOSTHeldByAKilledProcessGets502() async throws {
        let gateway = try await helloBroker()
        let (lost, next) = try await onThread {
            let client = try gateway.connect()
            // It would take 30 s; the kill comes first.
            try client.send(HTTPConnection.request("POST", "/hello?sleep=30000", body: "not safe to repeat"))
            kill(try Self.processHolding(in: gateway), SIGKILL)
            let lost = try client.readResponse()
            // The connection goes on: the next request is served by the survivor (or the respawned process).
            try client.send(HTTPConnection.request("GET", "/hello"))
            return (lost, try client.readResponse())
        }
        #expect(lost.status == 502, "\(lost.status) \(lost.text)")
        #expect(next.status == 200)
    }

    @Test func aProcessThatStopsHeartbeatingIsDroppedWithinItsLiveness() async throws {
        // 0.2 s × 3: given up after 0.6 s of silence, noticed at the next heartbeat.
        let gateway = try await helloBroker(heartbeat: "heartbeat_interval = 0.2\nheartbeat_liveness = 3")
        let stopped = try #require(try await brokerProcesses(gateway).first?["processID"] as? Int32)
        kill(stopped, SIGSTOP)
        try await waitUntil("the silent process to be dropped") {
            try await !brokerProcesses(gateway).contains { $0["processID"] as? Int32 == stopped }
        }
        // The gateway's own measure, free of how long ctl took to notice: given up after the liveness, at the
        // first heartbeat past it (plus scheduling on a loaded machine).
        let logged = try #require(gateway.log.firstMatch(of: /stopped sending heartbeats \(silent for ([0-9.]+) s\)/))
        let silence = try #require(Double(logged.1))
        // The log rounds to hundredths, so a silence just past 0.6 s reads 0.60.
        #expect(silence >= 0.6 && silence < 0.6 + 0.2 + 0.5, "given up after \(silence) s of silence")
        // Meanwhile every request goes to the live process.
        #expect(try gateway.get("/hello").helloPID != stopped)

        // Woken up, it is told it is unknown and comes back with a new READY.
        kill(stopped, SIGCONT)
        try await waitUntil("the process to reconnect") {
            try await brokerProcesses(gateway).contains { $0["processID"] as? Int32 == stopped }
        }
    }

    @Test func aStoppingProcessFinishesWhatItHoldsAndGetsNothingNew() async throws {
        let gateway = try await helloBroker(concurrency: 4)
        let (leaving, others, response) = try await onThread {
            let slow = try gateway.connect()
            try slow.send(HTTPConnection.request("GET", "/hello?sleep=3000"))
            let leaving = try Self.processHolding(in: gateway)
            kill(leaving, SIGTERM)
            try waitUntilBlocking("the process to say it is leaving") {
                try processes(handler("hello", in: gateway.statusBlocking())).contains {
                    $0["processID"] as? Int32 == leaving && $0["state"] as? String == "leaving"
                }
            }
            let others = try (0..<4).map { _ in try gateway.get("/hello").helloPID }
            return (leaving, others, try slow.readResponse())
        }
        #expect(others.allSatisfy { $0 != nil && $0 != leaving }, "no new work for a leaving process: \(others)")
        #expect(response.status == 200)
        #expect(response.helloPID == leaving, "it finished the request it held")
    }

    @Test func aRollingRestartUnderLoadFailsNoRequest() async throws {
        let gateway = try await helloBroker(concurrency: 64)
        let restartDone = Flag()
        // Until the restart is over, bounded by count all the same.
        let load = keepRequesting(gateway, "/hello", until: restartDone, limit: 20_000)
        try await waitUntil("the load to be under way") { try await gateway.handlerStatus("hello")["dispatched"] as? Int ?? 0 >= 100 }
        for _ in 0..<2 {
            let restart = try await gateway.ctl(["restart", "hello"])
            #expect(restart.status == 0, "\(restart.output)")
        }
        restartDone.set()
        let statuses = try await load.value
        #expect(statuses.count >= 100)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.filter { $0 != 200 }.count) of \(statuses.count) failed")
    }

    @Test func aPythonBrokerHandlerWrittenFromTheDocsWorks() async throws {
        let gateway = try await GatewayProcess(handlers: [
            // The fixture is single-threaded and sends no heartbeat while it sleeps: liveness must outlast its sleeps.
            .init(
                name: "py", route: "/py", command: ["python3", TestPaths.pythonBrokerHandler], processes: 2, mode: "broker",
                extra: "heartbeat_liveness = 10")
        ])
        try await waitUntil("the Python processes to say READY") { processes(try await gateway.handlerStatus("py")).count == 2 }
        let connection = try gateway.connect()
        try connection.send(HTTPConnection.request("POST", "/py/echo", body: "from curl"))
        let answer = try connection.readResponse().json()
        #expect(answer["language"] as? String == "python")
        #expect(answer["method"] as? String == "POST")
        #expect(answer["path"] as? String == "/py/echo")
        #expect(answer["body"] as? String == "from curl")

        // Both processes take work, and a rolling restart of Python processes works too (LEAVING, LEFT).
        let pids = try await onThread {
            let slow = try gateway.connect()
            try slow.send(HTTPConnection.request("GET", "/py/sleep?ms=2000"))
            _ = try Self.processHolding(in: gateway, handler: "py")
            let fast = try gateway.get("/py/x").json()["pid"] as? Int
            return Set([fast, try slow.readResponse().json()["pid"] as? Int])
        }
        #expect(pids.count == 2 && !pids.contains(nil), "\(pids)")
        let restart = try await gateway.ctl(["restart", "py"])
        #expect(restart.status == 0, "\(restart.output)")
        #expect(try gateway.get("/py/after").status == 200)
    }

    @Test func lurcherJobRoundTripsAPayload() async throws {
        let gateway = try await helloBroker(processes: 1, jobs: true, command: TestPaths.echoHandler)
        let job = try ChildProcess(
            [TestPaths.lurcher, "job", gateway.jobSpec("hello"), "a job payload"], outputPath: gateway.directory + "/job.out")
        #expect(try await job.waitForExit() == 0, "\(job.output)")
        // echo-handler answers with what it received, as JSON: the body went there and back.
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(job.output.utf8)) as? [String: Any])
        #expect(echoed["body"] as? String == "a job payload")
        #expect(echoed["method"] as? String == "JOB")

        // Nobody listening: the lazy pirate gives up after its attempts with EX_UNAVAILABLE.
        let unanswered = try ChildProcess(
            [TestPaths.lurcher, "job", "--timeout", "0.2", "--attempts", "2", "ipc://\(gateway.directory)/nobody", "x"],
            outputPath: gateway.directory + "/unanswered.out")
        #expect(try await unanswered.waitForExit() == 69)
        #expect(unanswered.output.contains("after 2 attempt(s)"))

        // A job of two frames is refused with 400, from a plain DEALER client, and the endpoint goes on serving.
        let script = """
            import sys, zmq
            s = zmq.Context().socket(zmq.DEALER); s.setsockopt(zmq.RCVTIMEO, 10000); s.connect(sys.argv[1])
            s.send_multipart([b"", b"one", b"two"]); print(s.recv_multipart()[1].decode())
            """
        let twoFrames = try ChildProcess(
            ["python3", "-c", script, gateway.jobSpec("hello")], outputPath: gateway.directory + "/two-frames.out")
        #expect(try await twoFrames.waitForExit() == 0, "\(twoFrames.output)")
        #expect(twoFrames.output.trimmingCharacters(in: .whitespacesAndNewlines) == "400")
        let again = try ChildProcess(
            [TestPaths.lurcher, "job", gateway.jobSpec("hello"), "still served"], outputPath: gateway.directory + "/again.out")
        #expect(try await again.waitForExit() == 0, "\(again.output)")
    }
}

/// Set once, read by load threads.
final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
