import Foundation

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds, failing after `timeout`: the test waits for a fact, never for a guess.
///
/// The polls start 20 ms apart and grow to 100 ms: many conditions run `lurcher ctl status`, a process of about
/// 40 ms of CPU, and the whole suite polling at 20 ms would take a core of a 2-core machine for that alone.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    var pause = Duration.milliseconds(20)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(100))
    }
}

/// ``waitUntil(_:timeout:_:)`` for code on a thread of its own (inside ``onThread(_:)``): it blocks that thread
/// instead of suspending, so a busy cooperative pool cannot make it late.
func waitUntilBlocking(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        usleep(5000)
    }
}

/// Runs blocking work (socket loops) on a thread of its own, so it cannot starve Swift's cooperative pool,
/// which the rest of the test and the other tests in parallel need.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
