import NIOCore

/// Caps the open client connections: at the limit the listening socket stops accepting, and starts again
/// when a connection closes. It counts them in `openConnections` too, from accept to close, whatever the
/// connection is doing (a TLS handshake, HTTP/1, HTTP/2 or a WebSocket).
///
/// Back-pressure, not refusal: the listener accepts only when it reads, so holding back its reads leaves new
/// clients waiting in the kernel's listen backlog instead of costing a descriptor each. It sits on the server
/// channel, ahead of the bootstrap's acceptor.
final class ConnectionLimiter: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let maximum: Int
    private let counters: GatewayCounters
    private var open = 0
    private var readHeld = false

    init(maximum: Int, counters: GatewayCounters) {
        self.maximum = maximum
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        // One wake-up may accept several clients at once; those past the limit are closed, not served.
        guard open < maximum else {
            child.close(promise: nil)
            return
        }
        open += 1
        counters.openConnections.add(1, ordering: .relaxed)
        let limiter = NIOLoopBound(self, eventLoop: context.eventLoop)
        let serverContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        child.closeFuture.hop(to: context.eventLoop).whenComplete { _ in
            limiter.value.connectionClosed(context: serverContext.value)
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        if open >= maximum {
            readHeld = true
        } else {
            context.read()
        }
    }

    private func connectionClosed(context: ChannelHandlerContext) {
        open -= 1
        counters.openConnections.subtract(1, ordering: .relaxed)
        if readHeld, open < maximum {
            readHeld = false
            context.read()
        }
    }
}
