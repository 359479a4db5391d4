import Foundation
import Synchronization

@testable import LurcherSupervisor

/// Processes that exist only in the test: spawning one records a made-up pid, signals are recorded, and a
/// process exits when the test says so (or, if asked, when it is sent SIGTERM; always on SIGKILL).
final class StandInProcesses: ProcessHost {
    private struct State {
        var nextPID: pid_t = 100_000
        var running: [pid_t] = []
        var spawned: [pid_t] = []
        var signals: [(pid: pid_t, signal: Int32)] = []
        var exited: (@Sendable (pid_t, Int32) -> Void)?
    }

    private let state = Mutex(State())
    private let exitOnSIGTERM: Bool

    /// - Parameter exitOnSIGTERM: whether a process exits as soon as it is asked to stop.
    init(exitOnSIGTERM: Bool = true) {
        self.exitOnSIGTERM = exitOnSIGTERM
    }

    func startReaping(_ exited: @escaping @Sendable (pid_t, Int32) -> Void) {
        state.withLock { $0.exited = exited }
    }

    func spawn(command: [String], environment: [String: String], workingDirectory: String?) throws -> pid_t {
        state.withLock { state in
            state.nextPID += 1
            state.running.append(state.nextPID)
            state.spawned.append(state.nextPID)
            return state.nextPID
        }
    }

    func signal(_ pid: pid_t, _ signal: Int32) {
        state.withLock { $0.signals.append((pid, signal)) }
        if signal == SIGKILL || (signal == SIGTERM && exitOnSIGTERM) { exit(pid, status: signal) }
    }

    func finishReaping() {}

    /// Ends process `pid` with wait status `status` (a signal number, or an exit code shifted left by 8).
    func exit(_ pid: pid_t, status: Int32 = 0) {
        let exited = state.withLock { state -> (@Sendable (pid_t, Int32) -> Void)? in
            guard let index = state.running.firstIndex(of: pid) else { return nil }
            state.running.remove(at: index)
            return state.exited
        }
        exited?(pid, status)
    }

    /// The pids spawned so far, oldest first.
    var spawned: [pid_t] { state.withLock { $0.spawned } }

    /// The signals sent to `pid` so far.
    func signals(to pid: pid_t) -> [Int32] {
        state.withLock { $0.signals.filter { $0.pid == pid }.map(\.signal) }
    }

    /// The `index`th pid spawned (from 0), once it has been.
    func spawned(_ index: Int) async throws -> pid_t {
        try await waitFor("spawn number \(index + 1)") { spawned.count > index }
        return spawned[index]
    }
}

/// Waits, checking every few milliseconds, for `condition`; throws ``TimedOut`` after `timeout`.
func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// The value of `task`, or ``TimedOut`` once `limit` has passed: a wait that is never resumed fails the test
/// instead of hanging it. A task still stuck is left behind.
func value<T: Sendable>(of task: Task<T, any Error>, within limit: Duration, _ what: String) async throws -> T {
    let once = Once<T>()
    return try await withCheckedThrowingContinuation { continuation in
        once.set(continuation)
        Task { once.resume(with: await task.result) }
        Task {
            try? await Task.sleep(for: limit)
            once.resume(with: .failure(TimedOut(what: what)))
        }
    }
}

/// A continuation resumed by the first of several racers.
private final class Once<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func set(_ continuation: CheckedContinuation<T, any Error>) { self.continuation.withLock { $0 = continuation } }
    func resume(with result: Result<T, any Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}
