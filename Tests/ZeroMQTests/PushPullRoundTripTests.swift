import Testing
import ZeroMQ

@Suite struct PushPullRoundTripTests {
    @Test func messageSentOverInprocArrivesUnchanged() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("inproc://round-trip")
        let push = try ZMQSocket.make(context, .push)
        try push.connect("inproc://round-trip")

        #expect(try push.send("hello".bytes))
        #expect(try pull.receive() == "hello".bytes)
    }

    @Test func wildcardTCPBindReportsItsPortThroughLastEndpoint() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(Int(endpoint.dropFirst("tcp://127.0.0.1:".count)).map { $0 > 0 } == true)

        let push = try ZMQSocket.make(context, .push)
        try push.connect(endpoint)
        #expect(try push.send("over tcp".bytes))
        #expect(try pull.receive() == "over tcp".bytes)
    }

    @Test func emptyAndLargeFramesArriveIntact() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try ZMQSocket.make(context, .push)
        try push.connect(try pull.lastEndpoint)

        let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try push.send([])
        try push.send(large)
        #expect(try pull.receive() == [])
        #expect(try pull.receive() == large)
    }
}
