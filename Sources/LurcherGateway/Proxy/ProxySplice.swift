import NIOCore
import NIOHTTP1

/// A client connection and a backend connection that switched protocols (a WebSocket through a proxy route),
/// joined so that bytes pass both ways untouched, each side read no faster than the other writes.
enum ProxySplice {
    /// Takes `backend` out of HTTP: its codec is removed (what it had read past the 101 goes on to the client, whose
    /// channel is `client`), then `ready` is called, on the loop, for the client's side to be joined with
    /// ``joinClient(_:to:input:closed:)``. The decoder's removal waits until it has finished its read, which is
    /// the one that brought the 101, so nothing may be written to the backend before `ready`.
    static func detachBackend(
        _ backend: BackendConnection, client: any Channel, ready: @escaping (Result<Void, any Error>) -> Void
    ) {
        let pipeline = backend.channel.pipeline.syncOperations
        do {
            try pipeline.addHandler(SpliceHandler(peer: client, closed: {}))
            pipeline.removeHandler(backend.handler, promise: nil)
            try pipeline.removeHandler(pipeline.handler(type: HTTPRequestEncoder.self), promise: nil)
            try pipeline.removeHandler(pipeline.handler(type: NIOHTTPRequestHeadersValidator.self), promise: nil)
            let removed = backend.channel.eventLoop.makePromise(of: Void.self)
            try pipeline.removeHandler(pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self), promise: removed)
            let ready = NIOLoopBound(ready, eventLoop: backend.channel.eventLoop)
            removed.futureResult.whenComplete { ready.value($0) }
        } catch {
            ready(.failure(error))
        }
    }

    /// Joins the client's side, after its HTTP/1 handler at `client` (which the caller removes, then calls
    /// ``resume(client:backend:)``), to `backend`.
    /// - Parameters:
    ///   - input: what the client sent after its request, for the backend.
    ///   - closed: called once when the client's side closes.
    static func joinClient(
        _ client: ChannelHandlerContext, to backend: BackendConnection, input: ByteBuffer?, closed: @escaping () -> Void
    ) throws {
        try client.pipeline.syncOperations.addHandler(
            SpliceHandler(peer: backend.channel, closed: closed), position: .after(client.handler))
        if let input, input.readableBytes > 0 { backend.channel.writeAndFlush(input, promise: nil) }
    }

    /// Reads both sides again, once HTTP is out of both pipelines: either may have held a read back.
    static func resume(client: any Channel, backend: BackendConnection) {
        client.read()
        backend.channel.read()
    }
}

/// One direction of a splice: what its channel reads is written to the peer. When the peer cannot take more, this
/// side stops reading (autoRead off) until it can, so neither direction piles up in the gateway.
final class SpliceHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let peer: any Channel
    private let closed: () -> Void
    private var peerHandler: SpliceHandler?
    private var didClose = false
    private var context: ChannelHandlerContext?

    init(peer: any Channel, closed: @escaping () -> Void) {
        self.peer = peer
        self.closed = closed
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.write(unwrapInboundIn(data), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        peer.flush()
        context.fireChannelReadComplete()
    }

    /// Reads wait while the peer's output is full; the peer's handler says when it drains.
    func read(context: ChannelHandlerContext) {
        guard peer.isWritable else { return }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // This side drained: the peer may read again.
        if context.channel.isWritable { peer.read() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            peer.close(mode: .output, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !didClose {
            didClose = true
            closed()
        }
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
