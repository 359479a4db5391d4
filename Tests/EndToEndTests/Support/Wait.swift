import Foundation

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds, failing after `timeout`: the test waits for a fact, never for a guess.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
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
