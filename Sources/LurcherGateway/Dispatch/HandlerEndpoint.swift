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
    let monitor: ZMQMonitor
    /// Requests that found no handler connected, oldest first.
    var held = CircularBuffer<HeldRequest>()
    var holdTimer: ZMQLoop.TimerID?
    var connectedPeers = 0

    init(index: Int, configuration: HandlerConfiguration, context: ZMQContext) throws {
        name = configuration.name
        sendIdent = Array(configuration.sendIdent.utf8)
        encoding = configuration.headerEncoding
        push = try ZMQSocket(context: context, type: .push)
        sub = try ZMQSocket(context: context, type: .sub)
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
        let monitorEndpoint = "inproc://lurcher-monitor-\(index)"
        try push.monitor(endpoint: monitorEndpoint, events: [.accepted, .disconnected])
        monitor = try ZMQMonitor(context: context, endpoint: monitorEndpoint)
    }
}
