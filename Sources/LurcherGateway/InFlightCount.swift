import Synchronization

/// Requests sent (or held) for a handler and not yet answered: counted by the event loops, read by status, and
/// waited on by ``Gateway/drain(timeout:)``.
///
/// On the request path it stays one atomic add or subtract, plus one load when a subtraction reaches zero: only
/// then, and only while a drain waits, does it take the lock and wake the drain.
final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)
    /// Whether a drain waits for zero.
    private let draining = Atomic<Bool>(false)
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)

    /// The requests in flight now.
    var value: Int { count.load(ordering: .relaxed) }

    func increment() {
        count.add(1, ordering: .relaxed)
    }

    func decrement() {
        // Sequentially consistent, as are the store of `draining` and the load of the count in `waitUntilZero`:
        // either that load sees this zero, or this load sees the drain, so the drain cannot miss it.
        guard count.subtract(1, ordering: .sequentiallyConsistent).newValue == 0,
            draining.load(ordering: .sequentiallyConsistent)
        else { return }
        wake()
    }

    /// Returns when no request is in flight, or once `timeout` has passed; returns how many are then.
    /// One wait at a time: the gateway drains once.
    func waitUntilZero(timeout: Duration) async -> Int {
        var deadline: Task<Void, Never>?
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiter.withLock { $0 = continuation }
            draining.store(true, ordering: .sequentiallyConsistent)
            if count.load(ordering: .sequentiallyConsistent) == 0 {
                wake()
                return
            }
            // A timer for the deadline, started only once there is a waiter for it to wake.
            deadline = Task { [self] in
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { wake() }
            }
        }
        deadline?.cancel()
        draining.store(false, ordering: .sequentiallyConsistent)
        return value
    }

    /// Resumes the waiter, if it has not been already: whichever of zero and the deadline comes second finds none.
    private func wake() {
        waiter.withLock { $0.take() }?.resume()
    }
}
