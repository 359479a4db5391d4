import NIOCore

/// Requests waiting for a handler, each until its deadline; past it the request is given up (its origin hears
/// it is unavailable).
///
/// Touched only on the dispatch thread, whose loop is its `Timers`.
final class HeldQueue<Timers: HeldQueueTimers> {
    private var requests = CircularBuffer<HeldRequest>()
    private var timer: (id: Timers.TimerID, deadline: ContinuousClock.Instant)?
    private let timers: Timers
    private let expired: (HeldRequest) -> Void

    /// - Parameter expired: called for each request whose deadline passes while it waits.
    init(timers: Timers, expired: @escaping (HeldRequest) -> Void) {
        self.timers = timers
        self.expired = expired
    }

    var count: Int { requests.count }
    var isEmpty: Bool { requests.isEmpty }
    var first: HeldRequest? { requests.first }

    /// Adds a request behind the others.
    func append(_ request: HeldRequest) {
        requests.append(request)
        armTimer(for: request.deadline)
    }

    /// Puts a request back in front of the others: it was sent once and must not wait behind newer ones.
    func prepend(_ request: HeldRequest) {
        requests.prepend(request)
        armTimer(for: request.deadline)
    }

    func removeFirst() -> HeldRequest {
        let request = requests.removeFirst()
        if requests.isEmpty { cancelTimer() }
        return request
    }

    /// Forgets the requests of a client connection that has closed.
    func removeAll(connectionID: UInt64) {
        requests.removeAll { $0.origin.isConnection(connectionID) }
        if requests.isEmpty { cancelTimer() }
    }

    /// Makes sure the timer fires by `deadline`. New requests come with the latest deadline, so this is
    /// usually nothing to do.
    private func armTimer(for deadline: ContinuousClock.Instant) {
        if let timer, deadline >= timer.deadline { return }
        cancelTimer()
        let id = timers.schedule(at: deadline) { [unowned self] in expire() }
        timer = (id, deadline)
    }

    /// Gives up every request past its deadline. Requests put back in front can carry a later deadline than
    /// those behind them, so every request is looked at rather than only the first.
    private func expire() {
        timer = nil
        let now = timers.now
        let due = requests.filter { $0.deadline <= now }
        requests.removeAll { $0.deadline <= now }
        due.forEach(expired)
        if let next = requests.lazy.map(\.deadline).min() { armTimer(for: next) }
    }

    private func cancelTimer() {
        if let timer { timers.cancel(timer.id) }
        timer = nil
    }
}
