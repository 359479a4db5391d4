/// Tells a client that reads its output slowly from one that has stopped reading, each time the write deadline
/// passes (nginx's `send_timeout`): one that took any output since the last check gets another timeout.
///
/// Every protocol's connection keeps one; it counts what was written and compares with what the channel still
/// holds.
struct WriteProgress {
    /// Every byte written to the channel so far.
    private(set) var bytesWritten = 0
    /// How many of them had left when the deadline was last set.
    private var bytesOutAtCheck = 0

    enum Verdict {
        /// Nothing is waiting: no deadline is needed until the next write.
        case drained
        /// The client took some output since the last check: set the deadline again.
        case reading
        /// The client took nothing for a whole timeout: its output will never drain.
        case stalled
    }

    mutating func wrote(_ bytes: Int) { bytesWritten += bytes }

    /// The write deadline is being set with none running, so everything written before has gone out.
    mutating func deadlineStarted() { bytesOutAtCheck = bytesWritten }

    /// The write deadline passed with `buffered` bytes not yet taken by the kernel (nil when the channel cannot say).
    mutating func check(buffered: Int?) -> Verdict {
        guard let buffered, buffered > 0 else { return .drained }
        let out = bytesWritten - buffered
        guard out > bytesOutAtCheck else { return .stalled }
        bytesOutAtCheck = out
        return .reading
    }
}
