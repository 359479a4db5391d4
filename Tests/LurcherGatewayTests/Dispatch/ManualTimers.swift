@testable import LurcherGateway

/// A clock that moves only when a test says, with the timers a ``HeldQueue`` sets on it.
final class ManualTimers: HeldQueueTimers {
    private(set) var now = ContinuousClock.now
    private var pending: [(id: Int, deadline: ContinuousClock.Instant, body: () -> Void)] = []
    private var lastID = 0

    /// Timers set and not yet fired or cancelled.
    var armed: Int { pending.count }

    func schedule(at deadline: ContinuousClock.Instant, _ body: @escaping () -> Void) -> Int {
        lastID += 1
        pending.append((lastID, deadline, body))
        return lastID
    }

    func cancel(_ id: Int) {
        pending.removeAll { $0.id == id }
    }

    /// Moves the clock on by `duration`, firing each timer that comes due, earliest first.
    func advance(by duration: Duration) {
        now += duration
        while let due = pending.filter({ $0.deadline <= now }).min(by: { $0.deadline < $1.deadline }) {
            pending.removeAll { $0.id == due.id }
            due.body()
        }
    }
}
