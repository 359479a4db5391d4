import Logging
import LurcherConfiguration
import LurcherProtocol
import NIOConcurrencyHelpers
import NIOCore
import ZeroMQ

/// The dispatcher's state on the transport thread: every handler's sockets and held requests.
///
/// `@unchecked Sendable` because the dispatcher must hand it to the transport thread's closures, yet every
/// mutable member is touched only on that thread: `setUp` runs there, and every other call comes through
/// `ZMQLoopThread.execute` or a socket or timer callback of the same loop.
final class Transport: @unchecked Sendable {
    let holdTimeout: Duration
    private let configurations: [HandlerConfiguration]
    private let maxHeld: Int
    private let logger: Logger
    private let connections: NIOLockedValueBox<[UInt64: ConnectionSink]>
    private let handlerConnected: @Sendable (String) -> Void
    private var endpoints: [HandlerEndpoint] = []

    init(
        handlers: [HandlerConfiguration], maxHeld: Int, holdTimeout: Duration, logger: Logger,
        connections: NIOLockedValueBox<[UInt64: ConnectionSink]>,
        handlerConnected: @escaping @Sendable (String) -> Void
    ) {
        self.handlerConnected = handlerConnected
        configurations = handlers
        self.maxHeld = maxHeld
        self.holdTimeout = holdTimeout
        self.logger = logger
        self.connections = connections
    }

    /// Binds the sockets of every handler; runs on the transport thread before it starts polling.
    func setUp(loop: ZMQLoop, context: ZMQContext) throws {
        for (index, configuration) in configurations.enumerated() {
            let endpoint = try HandlerEndpoint(index: index, configuration: configuration, context: context)
            endpoints.append(endpoint)
            loop.register(endpoint.push, interest: []) { [unowned self] _, _ in flushHeld(endpoint, loop: loop) }
            loop.register(endpoint.sub, interest: .readable) { [unowned self] _, _ in receiveReplies(endpoint, loop: loop) }
            loop.register(endpoint.requestMonitor.socket, interest: .readable) { [unowned self] _, _ in
                observePeers(endpoint, loop: loop)
            }
            loop.register(endpoint.replyMonitor.socket, interest: .readable) { [unowned self] _, _ in
                observePeers(endpoint, loop: loop)
            }
        }
    }

    // MARK: - Requests

    func snapshot() -> [GatewayStatus.Handler] {
        endpoints.map {
            GatewayStatus.Handler(name: $0.name, connected: $0.requestPeers, held: $0.held.count, dispatched: $0.dispatched)
        }
    }

    func submit(_ request: HeldRequest, to index: Int, loop: ZMQLoop) {
        let endpoint = endpoints[index]
        endpoint.dispatched += 1
        // Behind held requests a new one waits its turn, so that a connection's requests keep their order.
        if endpoint.held.isEmpty, send(request.message, on: endpoint) { return }
        guard endpoints.reduce(0, { $0 + $1.held.count }) < maxHeld else {
            logger.warning("request held queue is full; answering 503", metadata: ["handler": "\(endpoint.name)"])
            deliver(.unavailable(token: request.token), to: request.connectionID)
            return
        }
        if endpoint.held.isEmpty {
            logger.info("no handler connected; holding requests", metadata: ["handler": "\(endpoint.name)"])
            loop.setInterest(endpoint.push, .writable)
            scheduleHoldExpiry(endpoint, at: request.deadline, loop: loop)
        }
        endpoint.held.append(request)
    }

    private func send(_ message: [UInt8], on endpoint: HandlerEndpoint) -> Bool {
        do {
            return try endpoint.push.send(message, dontWait: true)
        } catch {
            TransportCounters.sendFailures.add(1, ordering: .relaxed)
            logger.error("cannot send to handler", metadata: ["handler": "\(endpoint.name)", "error": "\(error)"])
            return false
        }
    }

    /// Sends held requests now that the PUSH socket can take them, once replies can come back.
    private func flushHeld(_ endpoint: HandlerEndpoint, loop: ZMQLoop) {
        let now = ContinuousClock.now
        guard endpoint.repliesCanArrive(at: now) else {
            // Stop polling for writability (it would spin) and look again when replies can arrive.
            loop.setInterest(endpoint.push, [])
            if endpoint.replyPeers > 0, endpoint.flushTimer == nil {
                endpoint.flushTimer = loop.schedule(at: endpoint.lastReplyPeerJoined + HandlerEndpoint.subscriptionGrace) {
                    endpoint.flushTimer = nil
                    if !endpoint.held.isEmpty { loop.setInterest(endpoint.push, .writable) }
                }
            }
            return
        }
        while let request = endpoint.held.first {
            guard send(request.message, on: endpoint) else {
                loop.setInterest(endpoint.push, .writable)
                return
            }
            endpoint.held.removeFirst()
            deliver(.dispatched(token: request.token), to: request.connectionID)
        }
        loop.setInterest(endpoint.push, [])
        if let timer = endpoint.holdTimer { loop.cancel(timer) }
        endpoint.holdTimer = nil
    }

    /// Answers 503 for the requests held past their deadline; the queue is in deadline order.
    private func expireHeld(_ endpoint: HandlerEndpoint, loop: ZMQLoop) {
        endpoint.holdTimer = nil
        let now = ContinuousClock.now
        while let request = endpoint.held.first, request.deadline <= now {
            endpoint.held.removeFirst()
            deliver(.unavailable(token: request.token), to: request.connectionID)
        }
        if let next = endpoint.held.first {
            scheduleHoldExpiry(endpoint, at: next.deadline, loop: loop)
        } else {
            loop.setInterest(endpoint.push, [])
        }
    }

    private func scheduleHoldExpiry(_ endpoint: HandlerEndpoint, at deadline: ContinuousClock.Instant, loop: ZMQLoop) {
        if let timer = endpoint.holdTimer { loop.cancel(timer) }
        endpoint.holdTimer = loop.schedule(at: deadline) { [unowned self] in expireHeld(endpoint, loop: loop) }
    }

    func connectionClosed(connectionID: UInt64, handlers: [Int], loop: ZMQLoop) {
        for index in handlers {
            let endpoint = endpoints[index]
            endpoint.held.removeAll { $0.connectionID == connectionID }
            sendDisconnect(connectionID: connectionID, on: endpoint)
        }
    }

    private func sendDisconnect(connectionID: UInt64, on endpoint: HandlerEndpoint) {
        var message: [UInt8] = []
        DisconnectEvent.append(
            sender: endpoint.sendIdent, connectionID: connectionID, encoding: endpoint.encoding, to: &message)
        // A notice is advisory: with no handler connected it is dropped rather than held.
        _ = send(message, on: endpoint)
    }

    // MARK: - Replies

    private func receiveReplies(_ endpoint: HandlerEndpoint, loop: ZMQLoop) {
        // Bounded, so one busy handler cannot starve the others' sockets.
        for _ in 0..<1024 {
            let message: [UInt8]?
            do {
                message = try endpoint.sub.receive(dontWait: true)
            } catch {
                logger.error("cannot receive from handler", metadata: ["handler": "\(endpoint.name)", "error": "\(error)"])
                return
            }
            guard let message else { return }
            route(reply: message, from: endpoint)
        }
    }

    private func route(reply message: [UInt8], from endpoint: HandlerEndpoint) {
        let reply: DecodedReply
        do {
            reply = try WireReply.decode(message)
        } catch {
            logger.warning(
                "dropping malformed reply", metadata: ["handler": "\(endpoint.name)", "error": "\(error)", "bytes": "\(message.count)"])
            return
        }
        switch reply.target {
        case .connections(let ids):
            let event: DispatcherEvent =
                reply.body.isEmpty ? .close : .reply(ByteBuffer(bytes: reply.body))
            for id in ids {
                if let sink = connections.withLockedValue({ $0[id] }) {
                    sink.deliver(event)
                } else {
                    // Tell the handler the client is gone, so it stops streaming to it.
                    sendDisconnect(connectionID: id, on: endpoint)
                }
            }
        case .control(_, let command):
            logger.debug("ignoring control reply", metadata: ["handler": "\(endpoint.name)", "command": "\(command)"])
        }
    }

    private func deliver(_ event: DispatcherEvent, to connectionID: UInt64) {
        connections.withLockedValue { $0[connectionID] }?.deliver(event)
    }

    // MARK: - Peers

    private func observePeers(_ endpoint: HandlerEndpoint, loop: ZMQLoop) {
        for (monitor, isReplySocket) in [(endpoint.requestMonitor, false), (endpoint.replyMonitor, true)] {
            while let event = try? monitor.receiveEvent(dontWait: true) {
                let joined: Int
                switch event.kind {
                case .handshakeSucceeded: joined = 1
                case .disconnected: joined = -1
                default: continue
                }
                if isReplySocket {
                    endpoint.replyPeers = max(0, endpoint.replyPeers + joined)
                    if joined > 0 { endpoint.lastReplyPeerJoined = .now }
                } else {
                    endpoint.requestPeers = max(0, endpoint.requestPeers + joined)
                    logger.info(
                        joined > 0 ? "handler connected" : "handler disconnected",
                        metadata: ["handler": "\(endpoint.name)", "connected": "\(endpoint.requestPeers)"])
                    if joined > 0 {
                        // Ready once its replies can arrive too: the subscription needs the same grace as held requests.
                        loop.schedule(after: HandlerEndpoint.subscriptionGrace) { [handlerConnected] in
                            handlerConnected(endpoint.name)
                        }
                    }
                }
            }
        }
        // A handler arriving is the moment held requests may go.
        if !endpoint.held.isEmpty { flushHeld(endpoint, loop: loop) }
    }
}
