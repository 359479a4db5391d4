import ZeroMQ

/// The clock a ``HeldQueue`` reads and the one timer it keeps on it: the dispatch loop's, or a manual clock in
/// tests.
protocol HeldQueueTimers: AnyObject {
    associatedtype TimerID
    var now: ContinuousClock.Instant { get }
    func schedule(at deadline: ContinuousClock.Instant, _ body: @escaping () -> Void) -> TimerID
    func cancel(_ id: TimerID)
}

extension ZMQLoop: HeldQueueTimers {
    var now: ContinuousClock.Instant { .now }
}
