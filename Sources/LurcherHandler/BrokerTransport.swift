import Foundation
import Logging
internal import LurcherProtocol
internal import ZeroMQ

/// A broker-mode handler's socket and state, on the loop thread: one DEALER connected to the gateway's ROUTER.
///
/// It says `READY` with its concurrency when it starts taking requests, heartbeats both ways, tells the
/// gateway when each request is finished, and on stopping says `LEAVING` and takes the requests that were
/// already on their way until the gateway answers `LEFT`. So a handler that stops loses nothing. When the
/// gateway falls silent or says `DISCONNECT`, it starts over with a new socket, as in the ZeroMQ guide's
/// Paranoid Pirate.
final class BrokerTransport: HandlerTransport {
    private let settings: HandlerSettings
    private let logger: Logger
    private let endpoint: String
    private let parentWatch: ParentWatch

    private var socket: ZMQSocket?
    private var sink: IncomingSink?
    private var receiving = false
    private var leaving = false
    private var lastHeard: ContinuousClock.Instant = .now
    private var heartbeatTimer: ZMQLoop.TimerID?
    private var leftDeadline: ZMQLoop.TimerID?

    init(settings: HandlerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        endpoint = HandlerSettings.connectEndpoint(for: settings.sendSpec)
        parentWatch = ParentWatch(settings: settings, logger: logger)
    }

    private var expiry: Duration { settings.heartbeatInterval * settings.heartbeatLiveness }

    // MARK: - Lifecycle

    /// Connects the socket; nothing is said to the gateway until ``startReceiving(loop:sink:onParentExit:)``.
    func setUp(loop: ZMQLoop) throws(HandlerError) {
        try connect(loop: loop)
    }

    private func connect(loop: ZMQLoop) throws(HandlerError) {
        do {
            let socket = try ZMQSocket(context: loop.context, type: .dealer)
            try socket.setLinger(settings.linger)
            // Replies must not be dropped or block; the gateway sends no more requests than the concurrency.
            try socket.setSendHighWaterMark(0)
            if endpoint.contains("[") { try socket.setIPv6(true) }
            try settings.curve?.apply(to: socket)
            try socket.connect(endpoint)
            self.socket = socket
            loop.register(socket, interest: .readable) { [self] _, _ in receive(loop: loop) }
        } catch {
            throw .cannotConnect("broker (DEALER)", endpoint, error)
        }
        lastHeard = .now
    }

    func startReceiving(loop: ZMQLoop, sink: IncomingSink, onParentExit: @escaping @Sendable () -> Void) {
        self.sink = sink
        receiving = true
        sayReady()
        scheduleHeartbeat(loop: loop)
        parentWatch.start(loop: loop, onExit: onParentExit)
        logger.info("taking requests", metadata: ["send_spec": "\(endpoint)", "mode": "broker"])
    }

    /// Says `LEAVING`; the stream ends when the gateway answers `LEFT`, or when it has been silent too long.
    func stopReceiving(loop: ZMQLoop) {
        guard receiving, !leaving else { return }
        leaving = true
        parentWatch.stop(loop: loop)
        send(.leaving)
        leftDeadline = loop.schedule(after: expiry) { [self] in
            leftDeadline = nil
            logger.info("the gateway did not answer LEAVING; stopping anyway")
            endStream(loop: loop)
        }
    }

    func close(loop: ZMQLoop) {
        stopReceiving(loop: loop)
        endStream(loop: loop)
        if let heartbeatTimer { loop.cancel(heartbeatTimer) }
        heartbeatTimer = nil
        if let socket {
            loop.unregister(socket)
            socket.close()
        }
        socket = nil
    }

    private func endStream(loop: ZMQLoop) {
        if let leftDeadline { loop.cancel(leftDeadline) }
        leftDeadline = nil
        receiving = false
        sink?.finish()
        sink = nil
    }

    // MARK: - Messages

    private func receive(loop: ZMQLoop) {
        // Bounded, so that replies queued with execute get their turn.
        for _ in 0..<256 {
            let frames: [[UInt8]]?
            do {
                frames = try socket?.receiveMultipart(dontWait: true)
            } catch {
                logger.error("cannot receive from the gateway", metadata: ["error": "\(error)"])
                return
            }
            guard let frames else { return }
            lastHeard = .now
            let message: BrokerMessage
            do {
                message = try BrokerMessage(frames: frames)
            } catch {
                logger.warning("dropping a malformed message from the gateway", metadata: ["error": "\(error)"])
                continue
            }
            switch message {
            case .request(let requestID, let payload):
                sink?.yield(.request(payload, id: requestID))
            case .event(let payload):
                sink?.yield(.event(payload))
            case .heartbeat:
                break
            case .left:
                endStream(loop: loop)
            case .disconnect:
                logger.info("the gateway does not know this handler; reconnecting")
                reconnect(loop: loop)
            case .ready, .reply, .done, .leaving:
                logger.warning("the gateway sent a handler's command; ignoring it")
            }
        }
    }

    func send(_ message: [UInt8]) {
        send(.reply(payload: message, finishing: nil))
    }

    func finish(requestID: UInt64?, last: [UInt8]?, loop: ZMQLoop) {
        switch (requestID, last) {
        case (let id?, let last?): send(.reply(payload: last, finishing: id))
        case (let id?, nil): send(.done(requestID: id))
        case (nil, let last?): send(.reply(payload: last, finishing: nil))
        case (nil, nil): break
        }
    }

    private func send(_ message: BrokerMessage) {
        guard let socket else {
            logger.warning("dropping a message to the gateway: the connection is closed")
            return
        }
        do {
            try socket.send(parts: message.frames, dontWait: true)
        } catch {
            logger.error("cannot send to the gateway", metadata: ["error": "\(error)"])
        }
    }

    private func sayReady() {
        send(.ready(concurrency: settings.maxConcurrentRequests, processID: ProcessInfo.processInfo.processIdentifier))
    }

    // MARK: - Liveness

    private func scheduleHeartbeat(loop: ZMQLoop) {
        heartbeatTimer = loop.schedule(after: settings.heartbeatInterval) { [self] in
            heartbeatTimer = nil
            if ContinuousClock.now - lastHeard > expiry {
                logger.warning("the gateway has been silent too long; reconnecting", metadata: ["send_spec": "\(endpoint)"])
                reconnect(loop: loop)
            } else {
                send(.heartbeat)
            }
            scheduleHeartbeat(loop: loop)
        }
    }

    /// Starts over with a new socket (a new identity to the gateway). A leaving handler has nothing more to
    /// take, so it ends its stream instead of saying `READY` again.
    private func reconnect(loop: ZMQLoop) {
        if let socket {
            loop.unregister(socket)
            try? socket.setLinger(.zero)
            socket.close()
        }
        socket = nil
        do {
            try connect(loop: loop)
        } catch {
            logger.error("cannot reconnect to the gateway", metadata: ["error": "\(error)"])
            return
        }
        if leaving {
            endStream(loop: loop)
        } else if receiving {
            sayReady()
        }
    }
}
