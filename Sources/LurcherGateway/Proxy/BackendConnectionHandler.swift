import NIOCore
import NIOHTTP1

/// What a backend connection tells the request using it, on their shared event loop.
protocol BackendConnectionUser: AnyObject {
    func backendRead(_ part: HTTPClientResponsePart)
    /// The connection failed or closed; `error` says why when it failed.
    func backendClosed(error: (any Error)?)
}

/// The last handler of a backend connection's pipeline, after NIOHTTP1's client codec: it passes the response
/// parts to the request the connection serves, and holds back reads while that request's client reads too slowly,
/// so a large response waits in the backend's socket rather than in the gateway.
final class BackendConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The request the connection serves now; nil while it is idle in the pool.
    weak var user: (any BackendConnectionUser)?
    /// Reads wait while this is set.
    private var paused = false
    private var readPending = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let user else {
            // A response nobody asked for (an idle connection's backend writing, or bytes after a response's end) is
            // never passed to the next request: the connection is closed instead.
            context.close(promise: nil)
            return
        }
        user.backendRead(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let user = self.user
        self.user = nil
        user?.backendClosed(error: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let user = self.user
        self.user = nil
        user?.backendClosed(error: nil)
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if paused {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Stops reading from the backend until ``resumeReads()``.
    func pauseReads() { paused = true }

    func resumeReads() {
        guard paused else { return }
        paused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }
}
