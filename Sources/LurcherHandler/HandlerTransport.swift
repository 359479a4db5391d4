import Logging
internal import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// A message from the gateway, handed from the loop thread to the responder tasks.
enum IncomingMessage: Sendable {
    /// A request: it counts against ``HandlerSettings/maxConcurrentRequests``
    /// until ``HandlerTransport/requestFinished(loop:)``.
    case request([UInt8])
    /// An event such as a disconnect (path `@*`).
    case event([UInt8])
}

/// The handler's ZeroMQ sockets and their state, on the loop thread.
///
/// `@unchecked Sendable` because ``HandlerConnection`` hands it to the loop
/// thread's closures, yet every mutable member is touched only on that thread:
/// `setUp` runs there, and every other call comes through
/// `ZMQLoopThread.execute` or a socket or timer callback of the same loop.
final class HandlerTransport: @unchecked Sendable {
    private let settings: HandlerSettings
    private let logger: Logger
    private let sendEndpoint: String
    private let recvEndpoint: String

    private var pub: ZMQSocket?
    private var pull: ZMQSocket?
    private var monitor: ZMQMonitor?
    private var sink: AsyncStream<IncomingMessage>.Continuation?
    private var receiving = false
    private var gatewayReached = false
    private var pullConnected = false
    private var inFlight = 0
    private var parentTimer: ZMQLoop.TimerID?

    init(settings: HandlerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
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
            if sendEndpoint.contains("[") { try pull.setIPv6(true) }
            self.pull = pull
        } catch {
            throw .cannotConnect("request (PULL)", sendEndpoint, error)
        }
    }

    /// Starts taking requests and handing them to `sink`, and watches the parent process.
    func startReceiving(
        loop: ZMQLoop,
        sink: AsyncStream<IncomingMessage>.Continuation,
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
        if let parent = settings.parentProcessID {
            // A process spawned by the gateway sees it as its parent, and a parent that has exited
            // is a zombie that kill(2) still finds, so watch getppid(); otherwise poll the pid.
            let isOurParent = getppid() == parent
            let check: () -> Bool = isOurParent ? { getppid() == parent } : { kill(parent, 0) == 0 || errno != ESRCH }
            scheduleParentCheck(loop: loop, isAlive: check, onParentExit: onParentExit)
        }
    }

    /// Stops taking requests. Requests already queued in the socket are taken
    /// first, because libzmq drops them when the socket disconnects; then the
    /// socket disconnects so the gateway sends new requests to other handlers.
    /// Ends the stream given to ``startReceiving(loop:sink:onParentExit:)``.
    func stopReceiving(loop: ZMQLoop) {
        guard receiving else { return }
        receiving = false
        if let parentTimer { loop.cancel(parentTimer) }
        parentTimer = nil
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

    /// One request has been answered (or given up); take more if we had stopped.
    func requestFinished(loop: ZMQLoop) {
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
            if Self.isEvent(message) {
                sink?.yield(.event(message))
            } else {
                inFlight += 1
                requests += 1
                sink?.yield(.request(message))
            }
        }
        return requests
    }

    /// Whether the message's path, its third word, is `@*`: decoding waits for the responder task.
    static func isEvent(_ message: [UInt8]) -> Bool {
        let space = UInt8(ascii: " ")
        guard let first = message.firstIndex(of: space),
            let second = message[(first + 1)...].firstIndex(of: space),
            message.count > second + 3
        else { return false }
        return message[second + 1] == UInt8(ascii: "@") && message[second + 2] == UInt8(ascii: "*")
            && message[second + 3] == space
    }

    /// The sender and connection id at the front of a request, read without
    /// decoding the rest, so a request can be tracked before its task runs.
    static func addressee(of message: [UInt8]) -> (sender: String, connectionID: UInt64)? {
        let space = UInt8(ascii: " ")
        guard let first = message.firstIndex(of: space), first > 0,
            let second = message[(first + 1)...].firstIndex(of: space), second > first + 1
        else { return nil }
        var id: UInt64 = 0
        for byte in message[(first + 1)..<second] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = id.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            id = sum
        }
        return (String(decoding: message[..<first], as: UTF8.self), id)
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

    // MARK: - Gateway and parent

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

    private func scheduleParentCheck(loop: ZMQLoop, isAlive: @escaping () -> Bool, onParentExit: @escaping @Sendable () -> Void) {
        parentTimer = loop.schedule(after: settings.parentCheckInterval) { [self] in
            parentTimer = nil
            guard receiving else { return }
            if isAlive() {
                scheduleParentCheck(loop: loop, isAlive: isAlive, onParentExit: onParentExit)
            } else {
                logger.warning("the gateway process has gone; stopping", metadata: ["parent_pid": "\(settings.parentProcessID ?? 0)"])
                onParentExit()
            }
        }
    }
}
