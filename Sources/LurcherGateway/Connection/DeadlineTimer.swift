import NIOCore

/// A connection's glue that keeps one timer for all of its state machine's deadlines (``ConnectionDeadlines``):
/// each `scheduleWake` action replaces the schedule, and the glue's ``timerFired()`` wakes the machine.
protocol DeadlineTimed: AnyObject {
    /// The scheduled wake, nil when none is due.
    var timer: Scheduled<Void>? { get set }
    /// The timer went off, on the connection's event loop.
    func timerFired()
}

extension DeadlineTimed {
    /// Makes ``timerFired()`` run at `time` on the connection's clock, in place of any earlier schedule.
    func scheduleTimer(at time: Duration, context: ChannelHandlerContext) {
        let glue = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.scheduleWake(at: time, replacing: timer) { glue.value.timerFired() }
    }

    /// Cancels the schedule (the connection has closed or been handed over).
    func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
