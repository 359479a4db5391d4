import Logging
import LurcherProtocol
import NIOCore

/// What every glue around an ``HTTP1Connection`` (an HTTP/1 connection's, an HTTP/2 stream's) does the same way:
/// registering with the dispatcher, sending submissions, the dispatcher events and actions whose meaning does not
/// depend on the wire, and the Dir route's answers.
extension GatewayEnvironment {
    /// Lists `record` for the control port and registers its connection id with the dispatcher, whose events then
    /// reach `receiver` on `context`'s event loop (through the returned mailbox, which a hand-over may re-point).
    func connectionOpened(
        _ record: ConnectionRecord, receiver: any DispatcherEventReceiver, context: ChannelHandlerContext, now: Duration
    ) -> ConnectionMailbox {
        connections.opened(record, channel: context.channel, now: now)
        let mailbox = ConnectionMailbox(receiver: receiver)
        dispatcher.register(
            connectionID: record.id,
            sink: ConnectionSink(eventLoop: context.eventLoop, mailbox: NIOLoopBound(mailbox, eventLoop: context.eventLoop)))
        return mailbox
    }

    /// Sends a request the connection submitted, its upload's start message first (under the same token: Mongrel2
    /// handlers do not answer it); it counts as in flight until the connection ends it.
    func submit<Output>(_ submission: HTTP1Connection<Output>.Submission, connectionID: UInt64) {
        counters.inFlight.increment()
        if let start = submission.uploadStart {
            dispatcher.submit(
                handler: submission.handler, connectionID: connectionID, token: submission.token, message: start,
                retriable: false)
        }
        dispatcher.submit(
            handler: submission.handler, connectionID: connectionID, token: submission.token,
            message: submission.message, retriable: submission.retriable)
    }

    /// Carries out `action` if it is one whose doing is the same whatever the wire: a report, the end of a request
    /// at a handler, a notice, or the close told to the handlers (`tellsHandlers` false keeps the notice back).
    /// Returns false, having done nothing, for any other.
    func carryOutCommon<Output>(
        _ action: HTTP1Connection<Output>.Action, connectionID: UInt64, remoteAddress: String, tellsHandlers: Bool = true
    ) -> Bool {
        switch action {
        case .report(let exchange, let now):
            operations?.requestCompleted(exchange.completed(connectionID: connectionID, remoteAddress: remoteAddress, now: now))
        case .handlerRequestEnded: counters.inFlight.decrement()
        case .notice(let notice): notice.report(connectionID: connectionID, logger: logger, counters: counters)
        case .tellHandlersClosed(let handlers, let notify):
            dispatcher.connectionClosed(connectionID: connectionID, notifying: handlers, tellHandlers: notify && tellsHandlers)
        default: return false
        }
        return true
    }

    /// Looks up the file for a Dir route, on the thread pool; `keepAlive` false adds `Connection: close`.
    func serveFile<Output>(
        _ request: HTTP1Connection<Output>.FileRequest, keepAlive: Bool, eventLoop: any EventLoop
    ) -> EventLoopFuture<StaticFileResponse> {
        files.respond(
            directory: request.directory, relativePath: request.relativePath, requestPath: request.requestPath,
            conditions: request.conditions, isHead: request.isHead, keepAlive: keepAlive, eventLoop: eventLoop)
    }
}

extension HTTP1Connection {
    /// Passes on the dispatcher events that mean the same whatever the wire. Returns false for those the glue
    /// handles itself (a reply's bytes, a written-receipt) or ignores.
    mutating func receive(_ event: DispatcherEvent, record: ConnectionRecord, now: Instant) -> Bool {
        switch event {
        case .close: handlerClosed(now: now)
        case .dispatched(let token): dispatched(token: token, now: now)
        case .unavailable(let token): unavailable(token: token, now: now)
        case .handlerLost(let token): handlerLost(token: token, now: now)
        case .keepAlive:
            record.ping(now: now)
            keptAlive(now: now)
        case .credits(let credits): creditsGranted(credits, now: now)
        case .cancel: cancelled()
        case .creditsOverdrawn: creditsOverdrawn()
        case .reply, .whenWritten, .held, .webSocketHolderGone, .gatewayStopping: return false
        }
        return true
    }
}

extension HTTP1Connection.FileAnswer {
    /// What a Dir route's lookup came to, for the connection; `file` makes the answer for a file found (its
    /// status, head length, head, body and handle), which is where the wires differ.
    init(
        _ result: Result<StaticFileResponse, any Error>, logger: Logger,
        file: (HTTPStatus, Int, ByteBuffer, [FileBodyPart], NIOFileHandle) -> Self
    ) {
        switch result {
        case .success(.file(let status, let headBytes, let head, let body, let handle)):
            self = file(status, headBytes, head, body, handle)
        case .success(.redirect(let location)):
            self = .canned(status: .movedPermanently, extraHeaders: ["Location: \(location)"])
        case .success(.error(let status, let extraHeaders)):
            self = .canned(status: status, extraHeaders: extraHeaders)
        case .failure(let error):
            logger.error("cannot serve file", metadata: ["error": "\(error)"])
            self = .failed
        }
    }
}
