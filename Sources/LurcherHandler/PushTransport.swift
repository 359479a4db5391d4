import Logging
internal import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// A push-mode handler's ZeroMQ sockets and their state, on the loop thread:
/// requests arrive on a PULL socket, replies leave on a PUB socket.
///
/// Made and used only on that thread: ``HandlerConnection`` holds it as a `ZMQLoopBound`, which checks so.
final class PushTransport: HandlerTransport {
    private let settings: HandlerSettings
    private let logger: Logger
    private let sendEndpoint: String
    private let recvEndpoint: String

    private var pub: ZMQSocket?
    private var pull: ZMQSocket?
    private var monitor: ZMQMonitor?
    private var sink: IncomingSink?
    private var receiving = false
    private var gatewayReached = false
    private var pullConnected = false
    private var inFlight = 0
    private let parentWatch: ParentWatch

    init(settings: HandlerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        parentWatch = ParentWatch(settings: settings, logger: logger)
        sendEndpoint = HandlerSettings.connectEndpoint(for: settings.sendSpec)
        recvEndpoint = HandlerSettings.connectEndpoint(for: settings.recvSpec)
    }

    // MARK: - Lifecycle

    /// Makes both sockets and connects the reply socket; runs on the loop thread before it polls.
    ///
    /// The request socket connects only once the reply socket has reached
    /// the gateway (``startReceiving(loop:sink:onParentExit:)``): the gateway
    /// subscribes right after that handshake, and a reply published before
    /// the subscription arrives would be dropped.
    func setUp(loop: ZMQLoop) throws(HandlerError) {
        let context = loop.context
        do {
            let pub = try ZMQSocket(context: context, type: .pub)
            try pub.setLinger(settings.linger)
            // PUB drops what exceeds its high-water mark; a lost chunk would corrupt a streamed response.
            try pub.setSendHighWaterMark(0)
            if recvEndpoint.contains("[") { try pub.setIPv6(true) }
            try settings.curve?.apply(to: pub)
            // The reader first: libzmq blocks on an event that has no reader.
            let monitorEndpoint = "inproc://lurcher-handler-pub-\(UInt(bitPattern: ObjectIdentifier(self).hashValue))"
            let monitor = try ZMQMonitor(context: context, endpoint: monitorEndpoint)
            try pub.monitor(endpoint: monitorEndpoint, events: [.handshakeSucceeded, .disconnected])
            self.pub = pub
            self.monitor = monitor
            loop.register(monitor.socket, interest: .readable) { [self] _, _ in observeGateway(loop: loop) }
        } catch {
            throw .cannotConnect("reply (PUB)", recvEndpoint, error)
        }
        do {
            try pub?.connect(recvEndpoint)
        } catch {
            throw .cannotConnect("reply (PUB)", recvEndpoint, error)
        }
        do {
            let pull = try ZMQSocket(context: context, type: .pull)
            try pull.setReceiveHighWaterMark(Int32(clamping: settings.receiveHighWaterMark))
            try pull.setLinger(.zero)
            try settings.curve?.apply(to: pull)
            if sendEndpoint.contains("[") { try pull.setIPv6(true) }
            self.pull = pull
        } catch {
            throw .cannotConnect("request (PULL)", sendEndpoint, error)
        }
    }

    /// Starts taking requests and handing them to `sink`, and watches the parent process.
    func startReceiving(
        loop: ZMQLoop,
        sink: IncomingSink,
        onParentExit: @escaping @Sendable () -> Void
    ) {
        self.sink = sink
        receiving = true
        if gatewayReached {
            connectPull(loop: loop)
        } else {
            // Usually the handshake is a moment away; say so only when it is not.
            loop.schedule(after: .seconds(1)) { [self] in
                guard receiving, !gatewayReached else { return }
                logger.info("waiting for the gateway", metadata: ["recv_spec": "\(recvEndpoint)"])
            }
        }
        parentWatch.start(loop: loop, onExit: onParentExit)
    }

    /// Stops taking requests. Requests already queued in the socket are taken
    /// first, because libzmq drops them when the socket disconnects; then the
    /// socket disconnects so the gateway sends new requests to other handlers.
    /// Ends the stream given to ``startReceiving(loop:sink:onParentExit:)``.
    func stopReceiving(loop: ZMQLoop) {
        guard receiving else { return }
        receiving = false
        parentWatch.stop(loop: loop)
        if pullConnected, let pull {
            let taken = receive(from: pull, limit: .max)
            loop.unregister(pull)
            try? pull.disconnect(sendEndpoint)
            pull.close()
            pullConnected = false
            logger.debug("stopped taking requests", metadata: ["taken_while_stopping": "\(taken)"])
        }
        sink?.finish()
        sink = nil
    }

    /// Closes every socket and lets go of them, so the context can terminate and flush replies.
    func close(loop: ZMQLoop) {
        stopReceiving(loop: loop)
        for socket in [pub, pull, monitor?.socket].compactMap({ $0 }) {
            loop.unregister(socket)
        }
        try? pub?.stopMonitor()
        monitor?.close()
        pub?.close()
        pull?.close()
        monitor = nil
        pub = nil
        pull = nil
    }

    // MARK: - Requests

    /// One request has been answered (or given up): send its last message; take more if we had stopped.
    func finish(requestID: UInt64?, last: [UInt8]?, loop: ZMQLoop) {
        if let last { send(last) }
        inFlight -= 1
        if receiving, pullConnected, inFlight < settings.maxConcurrentRequests, let pull {
            loop.setInterest(pull, .readable)
        }
    }

    private func connectPull(loop: ZMQLoop) {
        guard let pull, !pullConnected else { return }
        do {
            try pull.connect(sendEndpoint)
        } catch {
            logger.error("cannot connect the request socket", metadata: ["send_spec": "\(sendEndpoint)", "error": "\(error)"])
            return
        }
        pullConnected = true
        loop.register(pull, interest: .readable) { [self] socket, _ in
            // Bounded, so that replies queued with execute get their turn.
            let room = settings.maxConcurrentRequests - inFlight
            receive(from: socket, limit: min(room, 256))
            if inFlight >= settings.maxConcurrentRequests { loop.setInterest(socket, []) }
        }
        logger.info("taking requests", metadata: ["send_spec": "\(sendEndpoint)", "recv_spec": "\(recvEndpoint)"])
    }

    /// Receives up to `limit` requests (events do not count) and hands them on.
    @discardableResult
    private func receive(from socket: ZMQSocket, limit: Int) -> Int {
        var requests = 0
        while requests < limit {
            let message: [UInt8]?
            do {
                message = try socket.receive(dontWait: true)
            } catch {
                logger.error("cannot receive a request", metadata: ["error": "\(error)"])
                return requests
            }
            guard let message else { return requests }
            if IncomingMessage.isEvent(message) {
                sink?.yield(.event(message))
            } else {
                inFlight += 1
                requests += 1
                sink?.yield(.request(message, id: nil))
            }
        }
        return requests
    }

    // MARK: - Replies

    /// Publishes one reply message.
    func send(_ message: [UInt8]) {
        guard let pub else {
            logger.warning("dropping a reply: the connection is closed", metadata: ["bytes": "\(message.count)"])
            return
        }
        do {
            if try !pub.send(message, dontWait: true) {
                logger.warning("dropping a reply: the reply socket is full", metadata: ["bytes": "\(message.count)"])
            }
        } catch {
            logger.error("cannot send a reply", metadata: ["error": "\(error)", "bytes": "\(message.count)"])
        }
    }

    // MARK: - Gateway

    private func observeGateway(loop: ZMQLoop) {
        while let event = try? monitor?.receiveEvent(dontWait: true) {
            switch event.kind {
            case .handshakeSucceeded:
                logger.info("connected to the gateway", metadata: ["recv_spec": "\(recvEndpoint)"])
                gatewayReached = true
                if receiving { connectPull(loop: loop) }
            case .disconnected:
                logger.info("lost the gateway; reconnecting", metadata: ["recv_spec": "\(recvEndpoint)"])
            default:
                break
            }
        }
    }
}
