import Testing
import ZeroMQ

@Suite struct MultipartRoundTripTests {
    @Test func multipartMessageArrivesWholeAndInOrder() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("inproc://multipart")
        let push = try ZMQSocket.make(context, .push)
        try push.connect("inproc://multipart")

        let parts = ["first".bytes, [], "third".bytes]
        #expect(try push.send(parts: parts))
        try push.send("single".bytes)
        #expect(try pull.receiveMultipart() == parts)
        #expect(try pull.receiveMultipart() == ["single".bytes])
    }

    @Test func framesSentWithMoreCanBeReceivedOneByOne() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket.make(context, .pull)
        try pull.bind("inproc://frames")
        let push = try ZMQSocket.make(context, .push)
        try push.connect("inproc://frames")

        try push.send("a".bytes, more: true)
        try push.send("b".bytes)
        #expect(try pull.receive() == "a".bytes)
        #expect(try pull.receive() == "b".bytes)
    }

    @Test func routerSeesTheDealersRoutingIDAndCanReplyThroughIt() throws {
        let context = ZMQContext()
        let router = try ZMQSocket.make(context, .router)
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try ZMQSocket.make(context, .dealer)
        try dealer.setRoutingID("worker-1".bytes)
        #expect(try dealer.routingID() == "worker-1".bytes)
        try dealer.connect(try router.lastEndpoint)

        try dealer.send(parts: ["READY".bytes])
        #expect(try router.receiveMultipart() == ["worker-1".bytes, "READY".bytes])
        try router.send(parts: ["worker-1".bytes, "job".bytes])
        #expect(try dealer.receiveMultipart() == ["job".bytes])
    }
}
