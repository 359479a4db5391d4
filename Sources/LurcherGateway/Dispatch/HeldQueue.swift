import NIOCore
import ZeroMQ

/// Requests waiting for a handler, each until its deadline; past it the request is given up (the client gets 503).
///
/// Touched only on the transport thread.
final class HeldQueue {
    private var requests = CircularBuffer<HeldRequest>()
    private var timer: (id: ZMQLoop.TimerID, deadline: ContinuousClock.Instant)?
    private let loop: ZMQLoop
    private let expired: (HeldRequest) -> Void

    /// - Parameter expired: called for each request whose deadline passes while it waits.
    init(loop: ZMQLoop, expired: @escaping (HeldRequest) -> Void) {
        self.loop = loop
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

    /// Forgets the requests of a connection that has closed.
    func removeAll(connectionID: UInt64) {
        requests.removeAll { $0.connectionID == connectionID }
        if requests.isEmpty { cancelTimer() }
    }

    /// Makes sure the timer fires by `deadline`. New requests come with the latest deadline, so this is
    /// usually nothing to do.
    private func armTimer(for deadline: ContinuousClock.Instant) {
        if let timer, deadline >= timer.deadline { return }
        cancelTimer()
        let id = loop.schedule(at: deadline) { [unowned self] in expire() }
        timer = (id, deadline)
    }

    /// Gives up every request past its deadline. Requests put back in front can carry a later deadline than
    /// those behind them, so every request is looked at rather than only the first.
    private func expire() {
        timer = nil
        let now = ContinuousClock.now
        let due = requests.filter { $0.deadline <= now }
        requests.removeAll { $0.deadline <= now }
        due.forEach(expired)
        if let next = requests.lazy.map(\.deadline).min() { armTimer(for: next) }
    }

    private func cancelTimer() {
        if let timer { loop.cancel(timer.id) }
        timer = nil
    }
}
