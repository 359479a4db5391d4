import NIOCore

/// What the dispatcher tells a connection, on the connection's own event loop.
enum DispatcherEvent {
    /// Bytes a handler sent to this connection.
    case reply(ByteBuffer)
    /// A handler asked for the connection to be closed once its queued output is written.
    case close
    /// The request with this token had been held and has now been sent to a handler.
    case dispatched(token: UInt64)
    /// The request with this token could not be sent: no handler connected within the hold timeout, or too
    /// many requests are held already.
    case unavailable(token: UInt64)
    /// The handler process holding the request with this token went away before answering, and the request
    /// could not be sent to another (it is not safe to repeat, or was repeated once already).
    case handlerLost(token: UInt64)
}

/// How the dispatcher reaches a connection from the dispatch thread.
struct ConnectionSink: Sendable {
    let eventLoop: any EventLoop
    let handler: NIOLoopBound<HTTP1ConnectionHandler>

    func deliver(_ event: DispatcherEvent) {
        let handler = self.handler
        eventLoop.execute { handler.value.dispatcherEvent(event) }
    }
}
