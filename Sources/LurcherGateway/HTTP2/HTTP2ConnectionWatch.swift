import Logging
import NIOCore
import NIOHTTP2

/// Watches an HTTP/2 connection for the gateway, at the end of its pipeline: counts it and lists it in
/// ``HTTP2Connections`` while it is open, closes it when the client ends its side, and ends it on a connection error (swift-nio-http2 has sent GOAWAY with the reason by then), counting the error
/// once and logging it at debug.
final class HTTP2ConnectionWatch: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let counters: GatewayCounters
    private let connections: HTTP2Connections
    private let logger: Logger
    private var channel: (any Channel)?
    private var failed = false

    init(counters: GatewayCounters, connections: HTTP2Connections, logger: Logger) {
        self.counters = counters
        self.connections = connections
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        connections.opened(context.channel)
        counters.openHTTP2Connections.add(1, ordering: .relaxed)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        uncount()
    }

    func channelInactive(context: ChannelHandlerContext) {
        uncount()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The listener lets HTTP/1 clients half-close; an HTTP/2 client has nothing to say after its end, and
        // nothing is written to a connection whose client has gone, so it closes.
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !failed {
            failed = true
            counters.http2Violations.add(1, ordering: .relaxed)
            logger.debug("HTTP/2 connection error", metadata: ["error": "\(error)"])
        }
        context.close(promise: nil)
    }

    private func uncount() {
        guard let channel = channel.take() else { return }
        connections.closed(channel)
        counters.openHTTP2Connections.subtract(1, ordering: .relaxed)
    }
}
