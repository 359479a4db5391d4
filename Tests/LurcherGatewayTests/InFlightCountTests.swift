import Foundation
import Testing

@testable import LurcherGateway

/// A drain waits for the count of requests in flight to reach zero, woken by the request that brings it there.
///
/// The full suite keeps the cooperative pool busy, which makes any wake-up late by seconds, so the bounds here
/// tell the event from a 2-minute deadline rather than assume a prompt wake-up.
@Suite struct InFlightCountTests {
    @Test func aDrainEndsAsSoonAsTheLastRequestIsAnswered() async throws {
        let count = InFlightCount()
        count.increment()
        count.increment()
        let drain = Task { await count.waitUntilZero(timeout: .seconds(120)) }
        count.decrement()
        try await Task.sleep(for: .milliseconds(50))
        count.increment()
        count.decrement()
        try await Task.sleep(for: .milliseconds(50))
        #expect(count.value == 1)

        let answered = ContinuousClock.now
        count.decrement()
        #expect(await drain.value == 0)
        #expect(ContinuousClock.now - answered < .seconds(60), "woken by the answer, not the deadline")
    }

    @Test func aDrainWithNothingInFlightEndsAtOnce() async {
        let count = InFlightCount()
        count.increment()
        count.decrement()
        let began = ContinuousClock.now
        #expect(await count.waitUntilZero(timeout: .seconds(120)) == 0)
        #expect(ContinuousClock.now - began < .seconds(60))
    }

    @Test func aDrainGivesUpAtItsDeadlineAndSaysHowManyAreLeft() async {
        let count = InFlightCount()
        count.increment()
        let began = ContinuousClock.now
        let drain = Task { await count.waitUntilZero(timeout: .milliseconds(200)) }
        // Answers the request after a minute, so that a drain whose deadline never fires fails (it would return
        // 0) instead of hanging.
        let rescue = Task {
            try await Task.sleep(for: .seconds(60))
            count.decrement()
        }
        #expect(await drain.value == 1)
        rescue.cancel()
        let waited = ContinuousClock.now - began
        #expect(waited >= .milliseconds(200), "waited \(waited)")
        // A later answer finds no drain to wake, and does no harm.
        count.decrement()
        #expect(count.value == 0)
    }
}
