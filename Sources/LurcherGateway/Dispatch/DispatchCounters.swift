import Synchronization

/// Totals the dispatch thread keeps for the metrics.
///
/// Process-wide statics rather than members passed in, so that counting touches one line of the dispatch code.
enum DispatchCounters {
    /// Sends to a handler socket that failed with an error (not the EAGAIN that holds a request).
    static let sendFailures = Atomic<Int>(0)
}
