import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Watches a TLS connection on the gateway's behalf, just behind `NIOSSLServerHandler`: it closes a handshake
/// that does not finish within `timeouts.request`, and logs a TLS failure once (at debug) and counts it.
///
/// TLS errors stop here: the connection is closed, and the protocol handler behind sees only its end.
final class TLSConnectionGuard: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connectionID: UInt64
    private let handshakeTimeout: TimeAmount
    private let counters: GatewayCounters
    private let logger: Logger
    private var handshakeTimer: Scheduled<Void>?
    private var handshaken = false
    private var failed = false

    init(connectionID: UInt64, handshakeTimeout: Duration, counters: GatewayCounters, logger: Logger) {
        self.connectionID = connectionID
        self.handshakeTimeout = .nanoseconds(Int64(handshakeTimeout / .nanoseconds(1)))
        self.counters = counters
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            handshaken = true
            handshakeTimer?.cancel()
            handshakeTimer = nil
            counters.tlsHandshakes.add(1, ordering: .relaxed)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard Self.isTLSError(error) else {
            context.fireErrorCaught(error)
            return
        }
        // A client that simply goes away after the handshake without close_notify has not failed anything.
        if handshaken, case NIOSSLError.uncleanShutdown = error {
            context.close(promise: nil)
            return
        }
        fail("TLS failure", error: "\(error)", context: context)
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard handshakeTimer == nil, !handshaken else { return }
        let guardian = NIOLoopBound(self, eventLoop: context.eventLoop)
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        handshakeTimer = context.value.eventLoop.scheduleTask(in: handshakeTimeout) {
            guardian.value.fail("TLS handshake timed out", error: "no handshake within timeouts.request", context: context.value)
        }
    }

    /// Logs and counts the connection's first failure, and closes it.
    private func fail(_ message: Logger.Message, error: String, context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        if !failed {
            failed = true
            counters.tlsFailures.add(1, ordering: .relaxed)
            logger.debug(message, metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        }
        context.close(promise: nil)
    }

    private static func isTLSError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOTLSUnwrappingError
    }
}
