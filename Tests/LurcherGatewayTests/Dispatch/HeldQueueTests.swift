import Testing

@testable import LurcherGateway

/// Requests wait for a handler in order, each until its own deadline, with one timer for the whole queue.
@Suite struct HeldQueueTests {
    private let timers = ManualTimers()

    private func request(_ connection: UInt64, token: UInt64 = 1, waits: Duration) -> HeldRequest {
        HeldRequest(
            origin: .connection(id: connection, token: token), message: [], deadline: timers.now + waits, retriable: true)
    }

    @Test func aRequestIsGivenUpAtItsDeadlineAndNotBefore() {
        var expired: [RequestOrigin] = []
        let queue = HeldQueue(timers: timers) { expired.append($0.origin) }
        queue.append(request(1, waits: .seconds(2)))
        timers.advance(by: .milliseconds(1999))
        #expect(expired.isEmpty)
        #expect(queue.count == 1)
        timers.advance(by: .milliseconds(1))
        #expect(expired == [.connection(id: 1, token: 1)])
        #expect(queue.isEmpty)
        #expect(timers.armed == 0)
    }

    @Test func requestsLeaveInOrderAndOneTimerServesThemAll() {
        let queue = HeldQueue(timers: timers) { _ in }
        queue.append(request(1, waits: .seconds(1)))
        queue.append(request(2, waits: .seconds(2)))
        queue.append(request(3, waits: .seconds(3)))
        #expect(timers.armed == 1, "later deadlines need no timer of their own")
        #expect(queue.removeFirst().origin.connectionID == 1)
        #expect(queue.first?.origin.connectionID == 2)
        _ = queue.removeFirst()
        _ = queue.removeFirst()
        #expect(timers.armed == 0, "an empty queue keeps no timer")
    }

    @Test func aRequestPutBackInFrontLeadsAndItsLaterDeadlineDoesNotShieldOlderOnes() {
        var expired: [UInt64] = []
        let queue = HeldQueue(timers: timers) { expired.append($0.origin.connectionID) }
        queue.append(request(1, waits: .seconds(1)))
        queue.prepend(request(2, waits: .seconds(5)))
        #expect(queue.first?.origin.connectionID == 2)
        timers.advance(by: .seconds(1))
        #expect(expired == [1], "the request behind the one put back is given up on time")
        #expect(queue.first?.origin.connectionID == 2)
        timers.advance(by: .seconds(4))
        #expect(expired == [1, 2], "the timer was set again for the one left")
    }

    @Test func anEarlierDeadlineMovesTheTimerForward() {
        var expired: [UInt64] = []
        let queue = HeldQueue(timers: timers) { expired.append($0.origin.connectionID) }
        queue.append(request(1, waits: .seconds(10)))
        queue.prepend(request(2, waits: .seconds(1)))
        timers.advance(by: .seconds(1))
        #expect(expired == [2])
    }

    @Test func aClosedConnectionTakesOnlyItsOwnRequestsAndNeverAJobWithTheSameNumber() {
        let queue = HeldQueue(timers: timers) { _ in }
        queue.append(request(1, token: 1, waits: .seconds(1)))
        queue.append(request(2, waits: .seconds(1)))
        queue.append(request(1, token: 2, waits: .seconds(1)))
        queue.append(HeldRequest(origin: .job(id: 1), message: [], deadline: timers.now + .seconds(1), retriable: false))
        queue.removeAll(connectionID: 1)
        #expect(queue.count == 2)
        #expect(queue.removeFirst().origin == .connection(id: 2, token: 1))
        #expect(queue.removeFirst().origin == .job(id: 1))
        #expect(timers.armed == 0)
    }
}
