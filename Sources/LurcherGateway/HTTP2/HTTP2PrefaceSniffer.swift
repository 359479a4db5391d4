import NIOCore

/// Tells HTTP/2 with prior knowledge from HTTP/1 on the plain listener (`http2_cleartext`): a client that opens
/// with the HTTP/2 connection preface (RFC 9113, 3.4) speaks HTTP/2, any other HTTP/1.
///
/// It holds what the client sends until the first bytes decide (at most the preface's 24), has `configure` set
/// up the pipeline for the protocol, removes itself and passes the bytes on.
final class HTTP2PrefaceSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let configure: (_ http2: Bool) throws -> Void
    private var held: ByteBuffer?

    /// - Parameter configure: adds the handlers for HTTP/2 (true) or HTTP/1 (false) after this one.
    init(configure: @escaping (_ http2: Bool) throws -> Void) {
        self.configure = configure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if held != nil {
            held!.writeBuffer(&buffer)
        } else {
            held = buffer
        }
        let start = held!.readableBytesView.prefix(Self.preface.count)
        let isPrefix = start.elementsEqual(Self.preface.prefix(start.count))
        guard !isPrefix || start.count == Self.preface.count else { return }
        decide(http2: isPrefix, context: context)
    }

    private func decide(http2: Bool, context: ChannelHandlerContext) {
        do {
            try configure(http2)
        } catch {
            context.close(promise: nil)
            return
        }
        let bytes = held.take()
        if let bytes { context.fireChannelRead(wrapInboundOut(bytes)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
