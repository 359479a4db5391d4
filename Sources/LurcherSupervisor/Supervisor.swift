import Foundation
import Logging
import LurcherConfiguration
import Synchronization

/// Keeps the handler processes named in the configuration running.
///
/// Each handler with a `command` gets `processes` copies, spawned before the first request arrives. A copy
/// that exits is respawned, after a delay that doubles while it keeps exiting soon after starting, so a
/// broken handler is reported instead of spinning. ``stop(timeout:)`` asks every process to finish
/// (SIGTERM) and kills what is left when the time is up.
public final class Supervisor: Sendable {
    /// One process the supervisor keeps running.
    struct Slot: Sendable {
        var handler: HandlerConfiguration
        var process: ProcessConfiguration
        var pid: pid_t?
        var startedAt: ContinuousClock.Instant = .now
        /// Exits in a row that came soon after starting.
        var quickExits = 0
    }

    private struct State: Sendable {
        var slots: [Slot] = []
        var stopping = false
    }

    /// A process that lived this long before exiting is considered healthy, and its back-off starts over.
    static let healthyUptime: Duration = .seconds(10)

    private let state = Mutex(State())
    private let logger: Logger
    /// Wakes the reaper thread when there are children to wait for again.
    private let childrenExist = DispatchSemaphore(value: 0)

    /// Prepares processes for every handler that has a command.
    public init(handlers: [HandlerConfiguration], logger: Logger) {
        self.logger = logger
        let slots = handlers.sorted { $0.name < $1.name }.flatMap { handler -> [Slot] in
            guard let process = handler.process else { return [] }
            return Array(repeating: Slot(handler: handler, process: process), count: process.count)
        }
        state.withLock { $0.slots = slots }
    }

    /// Spawns every process.
    /// - Throws: ``SupervisorError`` when a command cannot be started at all (not built, wrong path).
    public func start() throws {
        let count = state.withLock { $0.slots.count }
        let reaper = Thread { [self] in reapChildren() }
        reaper.name = "lurcher-reaper"
        reaper.start()
        for index in 0..<count { try spawn(slot: index) }
    }

    /// The pids currently running, by handler name.
    public var runningProcesses: [String: [pid_t]] {
        state.withLock { state in
            Dictionary(grouping: state.slots.compactMap { slot in slot.pid.map { (slot.handler.name, $0) } }, by: \.0)
                .mapValues { $0.map(\.1) }
        }
    }

    /// Sends SIGTERM to every process and waits for them to exit, killing any still running after `timeout`.
    public func stop(timeout: Duration) async {
        let pids = state.withLock { state in
            state.stopping = true
            return state.slots.compactMap(\.pid)
        }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !runningProcesses.isEmpty {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for (name, pids) in runningProcesses {
            for pid in pids {
                logger.warning("handler process did not stop in time; killing it", metadata: ["handler": "\(name)", "pid": "\(pid)"])
                kill(pid, SIGKILL)
            }
        }
        while !runningProcesses.isEmpty {
            try? await Task.sleep(for: .milliseconds(10))
        }
        childrenExist.signal()  // let the reaper see that it is done
    }

    private func spawn(slot index: Int) throws {
        let slot = state.withLock { $0.slots[index] }
        var environment = ProcessInfo.processInfo.environment
        environment["LURCHER_HANDLER_NAME"] = slot.handler.name
        environment["LURCHER_SEND_SPEC"] = slot.handler.sendSpec
        environment["LURCHER_RECV_SPEC"] = slot.handler.recvSpec
        environment["LURCHER_SEND_IDENT"] = slot.handler.sendIdent
        environment["LURCHER_PROTOCOL"] = slot.handler.headerEncoding.rawValue
        environment["LURCHER_MODE"] = "push"
        environment["LURCHER_PARENT_PID"] = "\(getpid())"
        environment.merge(slot.process.environment) { _, configured in configured }
        // The state lock is held across the spawn so that the reaper cannot see the child exit before its pid
        // is recorded.
        let pid = try state.withLock { state -> pid_t? in
            guard !state.stopping else { return nil }
            let pid = try ProcessSpawner.spawn(
                command: slot.process.command, environment: environment, workingDirectory: slot.process.workingDirectory)
            state.slots[index].pid = pid
            state.slots[index].startedAt = .now
            return pid
        }
        guard let pid else { return }
        childrenExist.signal()
        logger.info("started handler process", metadata: ["handler": "\(slot.handler.name)", "pid": "\(pid)"])
    }

    /// Waits for children to exit, on a thread of its own, and respawns them unless stopping.
    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid > 0 {
                childExited(pid: pid, status: status)
                continue
            }
            if errno == EINTR { continue }
            // No children right now.
            if state.withLock({ $0.stopping }) { return }
            childrenExist.wait()
        }
    }

    private func childExited(pid: pid_t, status: Int32) {
        let exitDescription = Self.describe(status: status)
        let decision = state.withLock { state -> (index: Int, delay: Duration, slot: Slot)? in
            guard let index = state.slots.firstIndex(where: { $0.pid == pid }) else { return nil }
            state.slots[index].pid = nil
            guard !state.stopping else { return nil }
            if ContinuousClock.now - state.slots[index].startedAt < Self.healthyUptime {
                state.slots[index].quickExits += 1
            } else {
                state.slots[index].quickExits = 0
            }
            let exponent = min(state.slots[index].quickExits, 9)
            let delay = min(Duration.milliseconds(100) * (1 << exponent), .seconds(30))
            return (index, delay, state.slots[index])
        }
        guard let decision else {
            logger.debug("handler process exited", metadata: ["pid": "\(pid)", "status": "\(exitDescription)"])
            return
        }
        let metadata: Logger.Metadata = [
            "handler": "\(decision.slot.handler.name)", "pid": "\(pid)", "status": "\(exitDescription)",
            "restart_in": "\(decision.delay)",
        ]
        if decision.slot.quickExits >= 5 {
            logger.error("handler process is crash-looping; backing off", metadata: metadata)
        } else {
            logger.warning("handler process exited; restarting it", metadata: metadata)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(decision.delay.nanoseconds))) { [self] in
            do {
                try spawn(slot: decision.index)
            } catch {
                logger.error("cannot restart handler process", metadata: ["handler": "\(decision.slot.handler.name)", "error": "\(error)"])
            }
        }
    }

    private static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exit \((status >> 8) & 0xff)" : "signal \(signal)"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
