import NIOCore

/// What the dispatcher tells a connection, on the connection's own event loop.
enum DispatcherEvent: Equatable {
    /// Bytes a handler sent to this connection.
    case reply(ByteBuffer)
    /// A handler asked for the connection to be closed once its queued output is written.
    case close
    /// The request with this token had been held and has now been sent to a handler. For a WebSocket message:
    /// the handler side has taken it (its process finished it in broker mode; in push mode, its socket took it
    /// after it was held), which paces the reading of the client.
    case dispatched(token: UInt64)
    /// The WebSocket message with this token waits for a handler (push mode): read the client no further until
    /// it is dispatched.
    case held(token: UInt64)
    /// The request with this token could not be sent: no handler connected within the hold timeout, or too
    /// many requests are held already.
    case unavailable(token: UInt64)
    /// The handler process holding the request with this token went away before answering, and the request
    /// could not be sent to another (it is not safe to repeat, or was repeated once already).
    case handlerLost(token: UInt64)
    /// The process holding this connection's WebSocket (broker mode) has gone: `stopped` when it left
    /// gracefully, so the client should reconnect, rather than died.
    case webSocketHolderGone(stopped: Bool)
    /// A handler's `ctl keep-alive` (an extended reply): the connection's idle clock starts again, so that a quiet
    /// stream or WebSocket the handler still wants is not reaped.
    case keepAlive
    /// A handler's `ctl credits` (an extended reply): the connection's streamed upload may read this many more
    /// body bytes (0 to ``ConnectionControl/maxCredits``; larger, negative or non-integer grants are refused).
    case credits(Int)
    /// A handler's `ctl cancel`, or an extended reply with a key nobody knows: close at once, dropping queued
    /// output, and tell no handler (the handler asked for it, as in Mongrel2).
    case cancel
    /// The gateway is stopping, its requests in flight answered: a WebSocket closes with 1001.
    case gatewayStopping
    /// Follows a flow-controlled handler's reply: once everything before it has been written, hand `receipt` back
    /// (``Dispatcher/downloadWritten(_:connectionID:)``), so the handler gets its credits.
    case whenWritten(DownloadReceipt)
    /// A flow-controlled handler sent more than its download credits allow: close at once, dropping queued
    /// output, and tell the handlers, as Mongrel2 does.
    case creditsOverdrawn
}

/// Whatever serves a connection now: HTTP/1 first, then the room a 101 hands it to.
protocol DispatcherEventReceiver: AnyObject {
    func dispatcherEvent(_ event: DispatcherEvent)
}

/// Where a connection's dispatcher events go: the protocol serving it, which changes when a 101 hands it over.
/// Events already on their way then reach the new one, not the old.
final class ConnectionMailbox {
    /// Weak: the pipeline owns the handler, and the dispatcher's map of sinks must not keep it.
    weak var receiver: (any DispatcherEventReceiver)?

    init(receiver: any DispatcherEventReceiver) {
        self.receiver = receiver
    }
}

/// How the dispatcher reaches a connection from the dispatch thread.
struct ConnectionSink: Sendable {
    let eventLoop: any EventLoop
    let mailbox: NIOLoopBound<ConnectionMailbox>

    func deliver(_ event: DispatcherEvent) {
        let mailbox = self.mailbox
        eventLoop.execute { mailbox.value.receiver?.dispatcherEvent(event) }
    }
}
