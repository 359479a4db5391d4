extension Duration {
    /// Whole milliseconds, rounded up so that a wait never ends before the
    /// duration has passed; negative durations count as zero.
    var roundedUpMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        if self <= .zero { return 0 }
        let perMillisecond: Int64 = 1_000_000_000_000_000
        let (wholeSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return .max }
        let fraction = attoseconds / perMillisecond + (attoseconds % perMillisecond > 0 ? 1 : 0)
        return wholeSeconds.addingReportingOverflow(fraction).overflow ? .max : wholeSeconds + fraction
    }
}

extension Int32 {
    /// A libzmq millisecond option value, where -1 means "forever".
    init(milliseconds duration: Duration?) {
        guard let duration else {
            self = -1
            return
        }
        self = Int32(clamping: duration.roundedUpMilliseconds)
    }
}
