import Foundation
import Testing

@testable import LurcherGateway

/// A drain waits for the count of requests in flight to reach zero, woken by the request that brings it there.
@Suite struct InFlightCountTests {
    @Test func aDrainEndsAsSoonAsTheLastRequestIsAnswered() async throws {
        let count = InFlightCount()
        count.increment()
        count.increment()
        let drain = Task { await count.waitUntilZero(timeout: .seconds(30)) }
        count.decrement()
        try await Task.sleep(for: .milliseconds(50))
        count.increment()
        count.decrement()
        try await Task.sleep(for: .milliseconds(50))
        #expect(count.value == 1)

        let answered = ContinuousClock.now
        count.decrement()
        #expect(await drain.value == 0)
        #expect(ContinuousClock.now - answered < .seconds(1), "woken by the answer, not the 30 s deadline")
    }

    @Test func aDrainWithNothingInFlightEndsAtOnce() async {
        let count = InFlightCount()
        count.increment()
        count.decrement()
        let began = ContinuousClock.now
        #expect(await count.waitUntilZero(timeout: .seconds(30)) == 0)
        #expect(ContinuousClock.now - began < .seconds(1))
    }

    @Test func aDrainGivesUpAtItsDeadlineAndSaysHowManyAreLeft() async {
        let count = InFlightCount()
        count.increment()
        let began = ContinuousClock.now
        let drain = Task { await count.waitUntilZero(timeout: .milliseconds(200)) }
        // Answers the request after 3 s, so that a drain whose deadline never fires fails instead of hanging.
        let rescue = Task {
            try await Task.sleep(for: .seconds(3))
            count.decrement()
        }
        #expect(await drain.value == 1)
        rescue.cancel()
        let waited = ContinuousClock.now - began
        #expect(waited >= .milliseconds(200) && waited < .seconds(3), "waited \(waited)")
        // A later answer finds no drain to wake, and does no harm.
        count.decrement()
        #expect(count.value == 0)
    }
}
