internal import ZeroMQ

/// How a handler process talks to the gateway: ``PushTransport`` (Mongrel2's PULL and PUB sockets) or
/// ``BrokerTransport`` (one DEALER socket to the gateway's job broker). ``HandlerConnection`` runs the same
/// responder code over either.
///
/// Every method runs on the connection's loop thread.
protocol HandlerTransport: AnyObject {
    /// Makes the sockets; runs on the loop thread before it polls.
    func setUp(loop: ZMQLoop) throws(HandlerError)
    /// Starts taking requests and handing them to `sink`, and watches the parent process.
    func startReceiving(loop: ZMQLoop, sink: IncomingSink, onParentExit: @escaping @Sendable () -> Void)
    /// Stops taking new requests and ends the stream given to ``startReceiving(loop:sink:onParentExit:)`` once
    /// no more can arrive; requests already handed over are still answered.
    func stopReceiving(loop: ZMQLoop)
    /// Closes every socket, so the context can terminate and flush replies.
    func close(loop: ZMQLoop)
    /// Sends one reply message (`SENDER LEN:IDS, BODY`) that does not finish a request: a piece of a stream,
    /// or a reply to connections of the application's choosing.
    func send(_ message: [UInt8])
    /// A request has been answered (or given up): sends its last reply message, if any, and frees its place.
    func finish(requestID: UInt64?, last: [UInt8]?, loop: ZMQLoop)
}
