import Testing
import ZeroMQ

@Suite struct WouldBlockTests {
    @Test func nonBlockingSendWithNoPeerReturnsFalse() throws {
        let context = ZMQContext()
        let push = try ZMQSocket.make(context, .push)
        try push.bind("tcp://127.0.0.1:*")

        #expect(try push.send("nobody".bytes, dontWait: true) == false)
        #expect(try push.send(parts: ["a".bytes, "b".bytes], dontWait: true) == false)
    }

    @Test func nonBlockingReceiveWithNothingWaitingReturnsNil() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("inproc://empty")

        #expect(try pull.receive(dontWait: true) == nil)
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
    }

    @Test func blockingReceiveReturnsNilWhenItsTimeoutExpires() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.setReceiveTimeout(.milliseconds(20))
        try pull.bind("inproc://timeout")

        let start = ContinuousClock.now
        #expect(try pull.receive() == nil)
        // libzmq times the wait with a millisecond clock, so allow it to read a little short.
        #expect(ContinuousClock.now - start >= .milliseconds(15))
    }
}
