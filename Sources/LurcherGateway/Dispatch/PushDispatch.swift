import LurcherConfiguration
import LurcherProtocol
import NIOCore
import ZeroMQ

/// A push-mode handler: Mongrel2's sockets. Requests go round-robin to the processes' PULL sockets; replies come
/// from their PUB sockets to a SUB that subscribes to the handler's `send_ident`.
final class PushDispatch: HandlerDispatch {
    let name: String
    private let index: Int
    private let sendIdent: [UInt8]
    private let encoding: HeaderEncoding
    private let downloadFlowControl: Bool
    private let context: DispatchContext
    /// Requests go out here.
    private let push: ZMQSocket
    /// Replies come in here.
    private let sub: ZMQSocket
    /// Reports handlers connecting to and leaving the PUSH socket.
    private let requestMonitor: ZMQMonitor
    /// Reports handlers connecting to and leaving the SUB socket.
    private let replyMonitor: ZMQMonitor
    /// Requests that found no handler connected, oldest first.
    private var held: HeldQueue<ZMQLoop>!
    private var flushTimer: ZMQLoop.TimerID?
    /// Handlers connected to the PUSH socket.
    private var requestPeers = 0
    /// Connections that are WebSockets to this handler.
    private var webSockets: Set<UInt64> = []
    /// Requests submitted since the gateway started.
    private var dispatched = 0
    /// Replies dropped since the gateway started because they were not Mongrel2 replies.
    private var malformedReplies = 0
    /// Handlers connected to the SUB socket, and when the latest one finished its handshake.
    private var replyPeers = 0
    private var lastReplyPeerJoined: ContinuousClock.Instant = .now

    /// Time allowed for the subscription to reach a new handler's PUB socket after the SUB handshake. The handler's
    /// libzmq takes it in only when its I/O thread and then its application thread get to it, which on a loaded
    /// machine took longer than 50 ms (a held request's reply was lost in a test run); 250 ms costs a restart
    /// little and a held request nothing it was not already waiting for.
    static let subscriptionGrace: Duration = .milliseconds(250)

    /// Binds the handler's sockets and starts watching them.
    init(index: Int, configuration: HandlerConfiguration, recvSpec: String, zmq: ZMQContext, context: DispatchContext) throws {
        name = configuration.name
        self.index = index
        sendIdent = Array(configuration.sendIdent.utf8)
        encoding = configuration.headerEncoding
        downloadFlowControl = configuration.downloadFlowControl
        self.context = context
        push = try ZMQSocket(context: zmq, type: .push)
        sub = try ZMQSocket(context: zmq, type: .sub)
        // A monitor's reader must be connected before its socket can emit events: libzmq blocks a
        // monitored socket whose events nobody reads.
        requestMonitor = try ZMQMonitor(context: zmq, endpoint: "inproc://lurcher-monitor-requests-\(index)")
        try push.monitor(endpoint: "inproc://lurcher-monitor-requests-\(index)", events: Self.peerEvents)
        replyMonitor = try ZMQMonitor(context: zmq, endpoint: "inproc://lurcher-monitor-replies-\(index)")
        try sub.monitor(endpoint: "inproc://lurcher-monitor-replies-\(index)", events: Self.peerEvents)
        do {
            try push.setLinger(.zero)
            try sub.setLinger(.zero)
            if let curve = configuration.curve {
                try push.makeCurveServer(secretKey: curve.secretKey, domain: configuration.name)
                try sub.makeCurveServer(secretKey: curve.secretKey, domain: configuration.name)
            }
            try push.bind(configuration.sendSpec)
        } catch {
            throw GatewayError.cannotBind(handler: configuration.name, key: "send_spec", underlying: "\(error)")
        }
        do {
            try sub.bind(recvSpec)
            try sub.subscribe(sendIdent)
        } catch {
            throw GatewayError.cannotBind(handler: configuration.name, key: "recv_spec", underlying: "\(error)")
        }
        held = HeldQueue(timers: context.loop) { [unowned self] request in
            self.context.report(.unavailable, for: request.origin)
            if held.isEmpty { self.context.loop.setInterest(push, []) }
        }
        let loop = context.loop
        loop.register(push, interest: []) { [unowned self] _, _ in flushHeld() }
        loop.register(sub, interest: .readable) { [unowned self] _, _ in receiveReplies() }
        loop.register(requestMonitor.socket, interest: .readable) { [unowned self] _, _ in observePeers() }
        loop.register(replyMonitor.socket, interest: .readable) { [unowned self] _, _ in observePeers() }
    }

    var heldCount: Int { held.count }

    func snapshot() -> GatewayStatus.Handler {
        GatewayStatus.Handler(
            name: name, mode: "push", connected: requestPeers, held: held.count, dispatched: dispatched,
            malformedReplies: malformedReplies, webSockets: webSockets.count)
    }

    // MARK: - Requests

    func submit(_ request: HeldRequest) {
        dispatched += 1
        // Behind held requests a new one waits its turn, so that a connection's requests keep their order.
        if held.isEmpty, send(request.message) { return }
        guard context.canHoldAnother else {
            context.logger.warning("request held queue is full; answering 503", metadata: ["handler": "\(name)"])
            context.report(.unavailable, for: request.origin)
            return
        }
        if held.isEmpty {
            context.logger.info("no handler connected; holding requests", metadata: ["handler": "\(name)"])
            context.loop.setInterest(push, .writable)
        }
        held.append(request)
        // A WebSocket's client is read no further until its message leaves.
        if request.webSocketMessage { context.report(.held, for: request.origin) }
    }

    private func send(_ message: [UInt8]) -> Bool {
        do {
            return try push.send(message, dontWait: true)
        } catch {
            DispatchCounters.sendFailures.add(1, ordering: .relaxed)
            context.logger.error("cannot send to handler", metadata: ["handler": "\(name)", "error": "\(error)"])
            return false
        }
    }

    /// Whether a reply sent now by a newly connected handler would reach the gateway.
    ///
    /// A handler's PUB socket drops replies until the gateway's subscription has reached it, which happens
    /// just after the SUB connection's handshake. A held request sent the moment a handler's PULL connects
    /// could otherwise be answered into the void.
    private func repliesCanArrive(at now: ContinuousClock.Instant) -> Bool {
        replyPeers > 0 && now >= lastReplyPeerJoined + Self.subscriptionGrace
    }

    /// Sends held requests now that the PUSH socket can take them, once replies can come back.
    private func flushHeld() {
        let loop = context.loop
        guard repliesCanArrive(at: .now) else {
            // Stop polling for writability (it would spin) and look again when replies can arrive.
            loop.setInterest(push, [])
            if replyPeers > 0, flushTimer == nil {
                flushTimer = loop.schedule(at: lastReplyPeerJoined + Self.subscriptionGrace) { [unowned self] in
                    flushTimer = nil
                    if !held.isEmpty { loop.setInterest(push, .writable) }
                }
            }
            return
        }
        while let request = held.first {
            guard send(request.message) else {
                loop.setInterest(push, .writable)
                return
            }
            _ = held.removeFirst()
            context.report(.dispatched, for: request.origin)
        }
        loop.setInterest(push, [])
    }

    func connectionClosed(_ connectionID: UInt64, notify: Bool) {
        held.removeAll(connectionID: connectionID)
        webSockets.remove(connectionID)
        if notify { sendDisconnect(connectionID: connectionID) }
    }

    /// Push mode spreads a WebSocket's messages over the handler's processes, as Mongrel2 does; it only counts it.
    func webSocketOpened(_ connectionID: UInt64) {
        webSockets.insert(connectionID)
    }

    /// Push mode cannot tell which process holds which request; a request lost with its process gets 504.
    func processExited(_ processID: Int32, stopped: Bool) {}

    private func sendDisconnect(connectionID: UInt64) {
        var message: [UInt8] = []
        DisconnectEvent.append(sender: sendIdent, connectionID: connectionID, encoding: encoding, to: &message)
        // A notice is advisory: with no handler connected it is dropped rather than held.
        _ = send(message)
    }

    /// To whichever process the PUSH socket picks, as Mongrel2 sends its credits; with none connected, there is no
    /// one waiting for them.
    func sendCredits(_ bytes: Int, connectionID: UInt64, process: [UInt8]?) {
        var message: [UInt8] = []
        CreditsEvent.append(sender: sendIdent, connectionID: connectionID, bytes: bytes, encoding: encoding, to: &message)
        _ = send(message)
    }

    // MARK: - Replies

    private func receiveReplies() {
        context.gatheringEvents(receiveReplyBatch)
    }

    private func receiveReplyBatch() {
        // Bounded, so one busy handler cannot starve the others' sockets.
        for _ in 0..<1024 {
            let message: [UInt8]?
            do {
                message = try sub.receive(dontWait: true)
            } catch {
                context.logger.error("cannot receive from handler", metadata: ["handler": "\(name)", "error": "\(error)"])
                return
            }
            guard let message else { return }
            guard let (reply, ids) = context.decodeReply(
                message, from: name, malformed: &malformedReplies, gone: { sendDisconnect(connectionID: $0) }) else { continue }
            context.relay(reply, to: ids, credits: downloadFlowControl ? (index, nil) : nil, from: name) {
                sendDisconnect(connectionID: $0)
            }
        }
    }

    // MARK: - Peers

    /// What the peer counts follow: handshakes done, and connections ended. A peer whose handshake failed (a
    /// CURVE key refused) was never counted, and its end is not one either.
    private static let peerEvents: ZMQMonitorEvents = [
        .handshakeSucceeded, .disconnected, .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail,
    ]

    /// Handshakes that failed and whose disconnect has not come yet, on the request and the reply socket.
    private var failedHandshakes = [0, 0]

    private func observePeers() {
        for (monitor, isReplySocket) in [(requestMonitor, false), (replyMonitor, true)] {
            while let event = try? monitor.receiveEvent(dontWait: true) {
                let joined: Int
                switch event.kind {
                case .handshakeSucceeded: joined = 1
                case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                    failedHandshakes[isReplySocket ? 1 : 0] += 1
                    continue
                case .disconnected:
                    if failedHandshakes[isReplySocket ? 1 : 0] > 0 {
                        failedHandshakes[isReplySocket ? 1 : 0] -= 1
                        continue
                    }
                    joined = -1
                default: continue
                }
                if isReplySocket {
                    replyPeers = max(0, replyPeers + joined)
                    if joined > 0 { lastReplyPeerJoined = .now }
                } else {
                    requestPeers = max(0, requestPeers + joined)
                    context.logger.info(
                        joined > 0 ? "handler connected" : "handler disconnected",
                        metadata: ["handler": "\(name)", "connected": "\(requestPeers)"])
                    if joined > 0 {
                        // Ready once its replies can arrive too: the subscription needs the same grace as held requests.
                        context.loop.schedule(after: Self.subscriptionGrace) { [context, name] in context.handlerReady(name, nil) }
                    }
                }
            }
        }
        // A handler arriving is the moment held requests may go.
        if !held.isEmpty { flushHeld() }
    }
}
