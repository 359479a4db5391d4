import Dispatch
import Testing
import ZeroMQ

@Suite struct PollTests {
    @Test func pollReportsAWaitingMessageUntilItIsReceived() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("inproc://poll")
        let push = try ZMQSocket.make(context, .push)
        try push.connect("inproc://poll")
        try push.send("ready".bytes)

        var items = [ZMQPollItem(socket: pull, events: .readable)]
        #expect(try zmqPoll(&items, timeout: .seconds(5)) == 1)
        #expect(items[0].returnedEvents == .readable)
        // Level-triggered: still readable while the message waits.
        #expect(try zmqPoll(&items, timeout: .zero) == 1)
        #expect(try pull.events.contains(.readable))

        _ = try pull.receive()
        #expect(try zmqPoll(&items, timeout: .zero) == 0)
        #expect(items[0].returnedEvents == [])
    }

    @Test func pollWithNothingReadyWaitsAtLeastItsTimeout() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("inproc://idle")

        var items = [ZMQPollItem(socket: pull, events: .readable)]
        let start = ContinuousClock.now
        #expect(try zmqPoll(&items, timeout: .milliseconds(30)) == 0)
        #expect(ContinuousClock.now - start >= .milliseconds(30))
    }

    @Test func wakeupSignalledFromAnotherThreadEndsAPoll() throws {
        let wakeup = try ZMQWakeup()
        DispatchQueue.global().async { wakeup.signal() }

        var items = [ZMQPollItem(fileDescriptor: wakeup.fileDescriptor, events: .readable)]
        #expect(try zmqPoll(&items, timeout: .seconds(5)) == 1)
        #expect(items[0].returnedEvents.contains(.readable))

        wakeup.signal()
        wakeup.signal()
        wakeup.drain()
        #expect(try zmqPoll(&items, timeout: .zero) == 0)
    }

    @Test func pollingAClosedSocketThrows() throws {
        let context = ZMQContext()
        let socket = try ZMQSocket.make(context, .pull)
        socket.close()
        var items = [ZMQPollItem(socket: socket, events: .readable)]
        #expect(throws: ZMQError.self) { try zmqPoll(&items, timeout: .zero) }
    }
}
