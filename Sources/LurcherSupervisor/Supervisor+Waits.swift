import Foundation

/// The supervisor's waits, resumed by the state changes they wait for rather than by re-checking on a timer.
///
/// Each waiter is kept in the actor and resumed by whichever event comes first, which removes it, so that it is
/// resumed exactly once: a process becoming ready (``Supervisor/handlerReady(_:processID:)``), a process exiting,
/// the ready timeout, or the supervisor stopping.
extension Supervisor {
    /// How a wait for a new process to become ready ended.
    enum ReadyOutcome: Sendable {
        case ready
        /// The process exited first.
        case exited
        /// The pool's `ready_timeout` passed first.
        case timedOut
        /// The supervisor began stopping.
        case stopping
    }

    /// A rolling restart's wait for one process, with the timer that ends it at the ready timeout.
    struct ReadyWaiter {
        var continuation: CheckedContinuation<ReadyOutcome, Never>
        var timer: Task<Void, Never>
    }

    /// Waits until process `pid` of pool `name` is ready, exits, the supervisor stops, or `timeout` passes.
    /// Only one wait per process: a rolling restart waits for the process it spawned, and a pool has one restart
    /// at a time.
    func waitUntilReady(_ pid: pid_t, in name: String, timeout: Duration) async -> ReadyOutcome {
        guard let process = pools[name]?.processes.first(where: { $0.pid == pid }) else { return .exited }
        if process.state == .ready { return .ready }
        return await withCheckedContinuation { continuation in
            // Started once the waiter is stored: the actor runs nothing else before this wait suspends, so the
            // timer cannot fire before there is a waiter to end.
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                await self?.endReadyWait(pid, .timedOut)
            }
            readyWaiters[pid] = ReadyWaiter(continuation: continuation, timer: timer)
        }
    }

    /// Ends the wait for process `pid`, if there is one.
    func endReadyWait(_ pid: pid_t, _ outcome: ReadyOutcome) {
        guard let waiter = readyWaiters.removeValue(forKey: pid) else { return }
        waiter.timer.cancel()
        waiter.continuation.resume(returning: outcome)
    }

    /// Ends every wait for readiness with `outcome`.
    func endReadyWaits(_ outcome: ReadyOutcome) {
        for pid in Array(readyWaiters.keys) { endReadyWait(pid, outcome) }
    }

    /// Returns once process `pid` of pool `name` has exited (at once if it is not running).
    func waitForExit(_ pid: pid_t, in name: String) async {
        guard isRunning(pid, in: name) else { return }
        await withCheckedContinuation { exitWaiters[pid, default: []].append($0) }
    }

    /// Process `pid` has exited and left its pool: ends every wait on it.
    func processGone(_ pid: pid_t) {
        for waiter in exitWaiters.removeValue(forKey: pid) ?? [] { waiter.resume() }
        endReadyWait(pid, .exited)
    }
}
