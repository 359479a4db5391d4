import LurcherConfiguration
import LurcherProtocol
import NIOCore
import ZeroMQ

/// One handler's sockets on the transport thread, and the requests waiting for it.
final class HandlerEndpoint {
    let name: String
    let sendIdent: [UInt8]
    let encoding: HeaderEncoding
    /// Requests go out here, round-robin to the connected handlers' PULL sockets.
    let push: ZMQSocket
    /// Replies come in here from the handlers' PUB sockets.
    let sub: ZMQSocket
    /// Reports handlers connecting to and leaving the PUSH socket.
    let requestMonitor: ZMQMonitor
    /// Reports handlers connecting to and leaving the SUB socket.
    let replyMonitor: ZMQMonitor
    /// Requests that found no handler connected, oldest first.
    var held = CircularBuffer<HeldRequest>()
    var holdTimer: ZMQLoop.TimerID?
    var flushTimer: ZMQLoop.TimerID?
    /// Handlers connected to the PUSH socket.
    var requestPeers = 0
    /// Requests submitted for this handler since the gateway started.
    var dispatched = 0
    /// Handlers connected to the SUB socket, and when the latest one finished its handshake.
    var replyPeers = 0
    var lastReplyPeerJoined: ContinuousClock.Instant = .now

    /// Whether a reply sent now by a newly connected handler would reach the gateway.
    ///
    /// A handler's PUB socket drops replies until the gateway's subscription has reached it, which happens
    /// just after the SUB connection's handshake. A held request sent the moment a handler's PULL connects
    /// could otherwise be answered into the void.
    func repliesCanArrive(at now: ContinuousClock.Instant) -> Bool {
        replyPeers > 0 && now >= lastReplyPeerJoined + Self.subscriptionGrace
    }

    /// Time allowed for the subscription to reach a new handler's PUB socket after the SUB handshake. The handler's
    /// libzmq takes it in only when its I/O thread and then its application thread get to it, which on a loaded
    /// machine took longer than 50 ms (a held request's reply was lost in a test run); 250 ms costs a restart
    /// little and a held request nothing it was not already waiting for.
    static let subscriptionGrace: Duration = .milliseconds(250)

    init(index: Int, configuration: HandlerConfiguration, context: ZMQContext) throws {
        name = configuration.name
        sendIdent = Array(configuration.sendIdent.utf8)
        encoding = configuration.headerEncoding
        push = try ZMQSocket(context: context, type: .push)
        sub = try ZMQSocket(context: context, type: .sub)
        // A monitor's reader must be connected before its socket can emit events: libzmq blocks a
        // monitored socket whose events nobody reads.
        requestMonitor = try ZMQMonitor(context: context, endpoint: "inproc://lurcher-monitor-requests-\(index)")
        try push.monitor(endpoint: "inproc://lurcher-monitor-requests-\(index)", events: [.handshakeSucceeded, .disconnected])
        replyMonitor = try ZMQMonitor(context: context, endpoint: "inproc://lurcher-monitor-replies-\(index)")
        try sub.monitor(endpoint: "inproc://lurcher-monitor-replies-\(index)", events: [.handshakeSucceeded, .disconnected])
        do {
            try push.setLinger(.zero)
            try sub.setLinger(.zero)
            try push.bind(configuration.sendSpec)
        } catch {
            throw GatewayError.cannotBind(handler: configuration.name, key: "send_spec", underlying: "\(error)")
        }
        do {
            try sub.bind(configuration.recvSpec)
            try sub.subscribe(sendIdent)
        } catch {
            throw GatewayError.cannotBind(handler: configuration.name, key: "recv_spec", underlying: "\(error)")
        }
    }
}
