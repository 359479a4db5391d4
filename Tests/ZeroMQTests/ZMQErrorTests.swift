import Glibc
import Testing
import ZeroMQ

@Suite struct ZMQErrorTests {
    @Test func failedBindNamesTheEndpointAndTheReason() throws {
        let context = ZMQContext()
        let socket = try ZMQSocket.make(context, .pull)

        let error = #expect(throws: ZMQError.self) { try socket.bind("tcp://no-such-interface-xyz:1") }
        #expect(error?.description.hasPrefix("bind tcp://no-such-interface-xyz:1: ") == true)

        let unknown = #expect(throws: ZMQError.self) { try socket.bind("carrier-pigeon://loft") }
        #expect(unknown?.code == EPROTONOSUPPORT)
        #expect(unknown?.operation == "bind carrier-pigeon://loft")
    }

    @Test func bindingATakenPortSaysAddressInUse() throws {
        let context = ZMQContext()
        let first = try ZMQSocket.make(context, .pull)
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try first.lastEndpoint
        let second = try ZMQSocket.make(context, .pull)

        let error = #expect(throws: ZMQError.self) { try second.bind(endpoint) }
        #expect(error?.code == EADDRINUSE)
        #expect(error?.description == "bind \(endpoint): Address already in use")
    }

    @Test func usingAClosedSocketThrowsNotASocket() throws {
        let context = ZMQContext()
        let socket = try ZMQSocket.make(context, .push)
        socket.close()
        socket.close()
        #expect(socket.isClosed)

        let error = #expect(throws: ZMQError.self) { try socket.send("x".bytes) }
        #expect(error?.code == ENOTSOCK)
    }

    @Test func shuttingTheContextDownWakesABlockedReceiveWithTerminated() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind("inproc://terminated")
        context.shutdown()

        let error = #expect(throws: ZMQError.self) { try pull.receive() }
        #expect(error?.isTerminated == true)
        #expect(error?.isWouldBlock == false)
        #expect(throws: ZMQError.self) { try ZMQSocket(context: context, type: .push) }
    }

    @Test func errorsCompareByCodeAndOperation() {
        #expect(ZMQError(code: EAGAIN, operation: "send") == ZMQError(code: EAGAIN, operation: "send"))
        #expect(ZMQError(code: EAGAIN, operation: "send") != ZMQError(code: EAGAIN, operation: "receive"))
        #expect(ZMQError(code: EAGAIN, operation: "send").isWouldBlock)
        #expect(ZMQError(code: EINTR, operation: "poll").isInterrupted)
    }
}
