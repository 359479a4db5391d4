import Foundation
import Logging
import LurcherConfiguration
import Testing

@testable import LurcherSupervisor

/// The supervisor's waits end on the events they wait for: a rolling restart goes on as soon as its new process
/// is ready and its old one has exited, fails with `notReady` when the new one exits first or the ready timeout
/// passes, and a stop ends them all. Driven with stand-in processes, so that every event is the test's.
///
/// The full suite keeps the cooperative pool busy, which makes any wake-up late by seconds, so the bounds here
/// tell the event from the timeouts (2 minutes unless a test sets one) rather than assume a prompt wake-up.
@Suite struct SupervisorWaitTests {
    /// Longer than any wait a test expects to end by an event.
    private static let limit: Duration = .seconds(60)

    private func supervisor(
        _ processes: StandInProcesses, count: Int = 1, readyTimeout: Duration = .seconds(120)
    ) -> Supervisor {
        let handler = HandlerConfiguration(
            name: "pool", sendSpec: "ipc://unused-requests", dispatch: .push(recvSpec: "ipc://unused-replies"),
            sendIdent: "pool",
            process: ProcessConfiguration(
                command: ["stand-in"], count: count, stopTimeout: .seconds(120), readyTimeout: readyTimeout))
        return Supervisor(
            handlers: [handler], gatewayGeneration: "test", uploadDirectory: nil,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, host: processes)
    }

    private func pids(_ supervisor: Supervisor) async -> [pid_t] {
        await supervisor.status().first?.processes.map(\.pid) ?? []
    }

    @Test func aRollingRestartGoesOnAsSoonAsTheNewProcessIsReadyAndTheOldOneHasExited() async throws {
        let processes = StandInProcesses(exitOnSIGTERM: false)
        let supervisor = supervisor(processes)
        try await supervisor.start()
        let old = try await processes.spawned(0)
        let restart = Task { try await supervisor.restart("pool") }
        let new = try await processes.spawned(1)
        await supervisor.handlerReady("pool", processID: new)
        try await waitFor("the old process to be asked to stop", timeout: Self.limit) {
            processes.signals(to: old) == [SIGTERM]
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await supervisor.status().first?.restarting == true, "still waiting for the old process to exit")

        processes.exit(old)
        // Well before the old process's 2-minute stop timeout would have killed it.
        let reports = try await value(of: restart, within: Self.limit, "the restart")
        #expect(reports == [.init(pool: "pool", replaced: [old], started: [new], generation: 2)])
        #expect(await pids(supervisor) == [new])
        #expect(processes.signals(to: new).isEmpty)
    }

    @Test func aNewProcessThatNeverBecomesReadyFailsTheRestartAfterTheReadyTimeout() async throws {
        let processes = StandInProcesses()
        let supervisor = supervisor(processes, readyTimeout: .milliseconds(300))
        try await supervisor.start()
        let old = try await processes.spawned(0)
        let began = ContinuousClock.now
        let restart = Task { try await supervisor.restart("pool") }
        let error = await #expect(throws: SupervisorError.self) {
            try await value(of: restart, within: Self.limit, "the restart")
        }
        let waited = ContinuousClock.now - began
        guard case .notReady(let pool, let pid, let timeout) = error else {
            Issue.record("expected notReady, got \(String(describing: error))")
            return
        }
        let new = try await processes.spawned(1)
        #expect(pool == "pool" && pid == new && timeout == .milliseconds(300))
        #expect(waited >= .milliseconds(300), "waited \(waited)")
        #expect(processes.signals(to: new) == [SIGTERM], "the new process is stopped")
        #expect(processes.signals(to: old).isEmpty, "the old process is kept")
        try await waitFor("the new process to be gone") { await pids(supervisor) == [old] }
    }

    @Test func aNewProcessThatExitsBeforeItIsReadyFailsTheRestartAtOnce() async throws {
        let processes = StandInProcesses()
        let supervisor = supervisor(processes)
        try await supervisor.start()
        let old = try await processes.spawned(0)
        let restart = Task { try await supervisor.restart("pool") }
        let new = try await processes.spawned(1)
        let exited = ContinuousClock.now
        processes.exit(new, status: 1 << 8)
        let error = await #expect(throws: SupervisorError.self) {
            try await value(of: restart, within: Self.limit, "the restart")
        }
        guard case .notReady(_, let pid, _) = error else {
            Issue.record("expected notReady, got \(String(describing: error))")
            return
        }
        #expect(pid == new)
        #expect(ContinuousClock.now - exited < .seconds(120), "not at the 2-minute ready timeout")
        #expect(processes.signals(to: old).isEmpty, "the old process is kept")
        #expect(await pids(supervisor) == [old])
    }

    @Test func stoppingEndsARestartsWaitForReadinessAndReturnsOnceEveryProcessHasExited() async throws {
        let processes = StandInProcesses(exitOnSIGTERM: false)
        let supervisor = supervisor(processes, count: 2)
        try await supervisor.start()
        let restart = Task { try await supervisor.restart("pool") }
        let new = try await processes.spawned(2)
        let stop = Task { await supervisor.stopAll(timeout: .seconds(120)) }

        let error = await #expect(throws: SupervisorError.self) {
            try await value(of: restart, within: Self.limit, "the restart to give up")
        }
        guard case .stopping = error else {
            Issue.record("expected stopping, got \(String(describing: error))")
            return
        }
        let running = processes.spawned
        #expect(running.allSatisfy { processes.signals(to: $0) == [SIGTERM] }, "every process, \(new) too, is asked to stop")

        processes.exit(running[0])
        processes.exit(running[1])
        try await Task.sleep(for: .milliseconds(100))
        #expect(await pids(supervisor) == [running[2]], "stopAll waits for the last one")
        processes.exit(running[2])
        // Well before the stop timeout would have killed it.
        try await value(of: Task { await stop.value }, within: Self.limit, "stopAll")
        #expect(await pids(supervisor).isEmpty)
    }
}
