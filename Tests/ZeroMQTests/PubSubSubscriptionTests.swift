import Testing
import ZeroMQ

@Suite struct PubSubSubscriptionTests {
    @Test func subscriberReceivesOnlyMessagesStartingWithItsPrefix() throws {
        let context = ZMQContext()
        let pub = try ZMQSocket.make(context, .pub)
        try pub.bind("tcp://127.0.0.1:*")
        let sub = try ZMQSocket.make(context, .sub)
        try sub.subscribe("gateway-A".bytes)
        try sub.connect(try pub.lastEndpoint)

        // Subscriptions reach the publisher asynchronously; publish probes until one gets through.
        #expect(try sync(pub, sub, probe: "gateway-A probe"))

        // PUB sends in order, so had the first been let through it would arrive before the second.
        try pub.send("gateway-B 1".bytes)
        try pub.send("gateway-A 1".bytes)
        #expect(try sub.receive() == "gateway-A 1".bytes)

        // Unsubscribe and subscribe travel in order, so once a "B" message arrives "A" is gone.
        try sub.unsubscribe("gateway-A".bytes)
        try sub.subscribe("gateway-B".bytes)
        #expect(try sync(pub, sub, probe: "gateway-B probe"))

        try pub.send("gateway-A 2".bytes)
        try pub.send("gateway-B 2".bytes)
        #expect(try sub.receive() == "gateway-B 2".bytes)
    }

    /// Publishes `probe` until the subscriber receives it, then drains what else arrived.
    private func sync(_ pub: ZMQSocket, _ sub: ZMQSocket, probe: String) throws -> Bool {
        try sub.setReceiveTimeout(.milliseconds(50))
        defer { try? sub.setReceiveTimeout(.seconds(5)) }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            try pub.send(probe.bytes)
            if try sub.receive() == probe.bytes {
                while try sub.receive(dontWait: true) != nil {}
                return true
            }
        }
        return false
    }
}
