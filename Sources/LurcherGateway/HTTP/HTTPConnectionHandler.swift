import Logging
import LurcherConfiguration
import NIOCore

/// One client connection: parses its requests, answers them strictly in arrival order, and relays handler
/// replies back to the client.
///
/// Requests on a connection are answered one at a time. A pipelined request waits, already parsed, until the
/// one before it is answered; only then does it go to its handler. Mongrel2 replies carry a connection id
/// but no request id, so this is what lets the gateway know which request a reply answers.
final class HTTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The request being answered.
    private enum Current {
        case handler(Answering)
        case file(keepAlive: Bool)
    }

    /// A request sent (or held) for a handler, and what its reply has done so far.
    private struct Answering {
        var index: Int
        var token: UInt64
        var keepAlive: Bool
        /// The request's spooled body, if it had one; released (and its file deleted) with the answer.
        var upload: HandlerUpload?
        var wroteBytes = false
    }

    /// A file is sent as regions of at most this many bytes, so the write timeout sees a slow reader's
    /// progress instead of timing out a whole large file.
    private static let fileRegionBytes = 1 << 20

    private let connectionID: UInt64
    private let remoteAddress: String
    private let environment: GatewayEnvironment
    private let parser: HTTPRequestParser
    private let responseParser = HTTPResponseParser()
    private var context: ChannelHandlerContext?
    private var current: Current?
    private var nextToken: UInt64 = 0
    private var replyTimer: Scheduled<Void>?
    /// Runs while a request has begun but not ended: a client that stalls mid-request gets 408.
    private var requestTimer: Scheduled<Void>?
    /// Runs while the connection is idle between requests: it is closed when the time is up.
    private var idleTimer: Scheduled<Void>?
    /// Runs while output waits for the client to take it. Rather than being rescheduled on every write, it
    /// is left running and, when it fires, looks at when a write last completed.
    private var writeTimer: Scheduled<Void>?
    private var unfinishedWrites = 0
    private var lastWriteCompleted = NIODeadline.now()
    /// Input the parser has not taken yet because enough requests are waiting.
    private var stalledInput: ByteBuffer?
    /// Set once the input is unusable (malformed, or the connection is closing): nothing more is parsed.
    private var inputFinished = false
    private var readRequested = false
    private var closing = false
    /// Handlers that were sent a request on this connection; they hear when it closes.
    private var handlersUsed: [Int] = []
    /// The request being answered, followed for the access log and metrics (nil when nothing records requests).
    private var exchange: Exchange?

    init(connectionID: UInt64, remoteAddress: String, environment: GatewayEnvironment) {
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.environment = environment
        parser = HTTPRequestParser(
            connectionID: connectionID, remoteAddress: remoteAddress, router: environment.router,
            handlers: environment.handlerIdentities, limits: environment.limits, uploads: environment.uploads,
            summarizes: environment.operations != nil)
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        environment.counters.openConnections.add(1, ordering: .relaxed)
        armIdleTimer(context: context)
        environment.dispatcher.register(
            connectionID: connectionID,
            sink: ConnectionSink(eventLoop: context.eventLoop, handler: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        replyTimer?.cancel()
        replyTimer = nil
        cancelClientTimers()
        writeTimer?.cancel()
        writeTimer = nil
        closing = true
        reportExchange()
        environment.counters.openConnections.subtract(1, ordering: .relaxed)
        if case .handler = current { environment.counters.inFlight.subtract(1, ordering: .relaxed) }
        current = nil
        environment.dispatcher.connectionClosed(connectionID: connectionID, notifying: handlersUsed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputFinished else { return }
        let buffer = unwrapInboundIn(data)
        idleTimer?.cancel()
        idleTimer = nil
        if stalledInput != nil {
            stalledInput!.writeImmutableBuffer(buffer)
        } else {
            parse(buffer, context: context)
        }
        processNext(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // The client half-closed: answer what it sent, then close.
            if !inputFinished, stalledInput == nil, case .failed(let status) = parser.finish() {
                parser.completed.append(ParsedRequest(disposition: .reject(status, extraHeaders: []), isHead: false, keepAlive: false))
            }
            inputFinished = true
            processNext(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Holds back reads while requests are waiting or the input is done, so a client cannot queue unbounded work.
    func read(context: ChannelHandlerContext) {
        if stalledInput != nil || inputFinished || closing {
            readRequested = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        environment.logger.debug("connection error", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Requests

    private func parse(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        switch parser.feed(buffer) {
        case .consumedAll:
            stalledInput = nil
        case .paused(let consumed):
            stalledInput = buffer.getSlice(at: buffer.readerIndex + consumed, length: buffer.readableBytes - consumed)
        case .failed(let status):
            stalledInput = nil
            inputFinished = true
            environment.logger.info(
                "rejected malformed request", metadata: ["connection": "\(connectionID)", "status": "\(status.rawValue)"])
            parser.completed.append(ParsedRequest(disposition: .reject(status, extraHeaders: []), isHead: false, keepAlive: false))
        }
    }

    /// Tells a client waiting on `Expect: 100-continue` to send its body, once nothing else is being answered:
    /// a 100 must not land inside another response.
    private func sendContinueIfDue(context: ChannelHandlerContext) {
        guard parser.expectsContinue, current == nil, parser.completed.isEmpty, !closing else { return }
        parser.acknowledgeContinue()
        send(.byteBuffer(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")), context: context)
    }

    /// Starts answering the next waiting request, if the connection is free.
    private func processNext(context: ChannelHandlerContext) {
        while current == nil, !closing, let request = parser.completed.popFirst() {
            resumeParsing(context: context)
            start(request, context: context)
        }
        if current == nil, !closing, parser.completed.isEmpty, inputFinished {
            closeAfterWrites(context: context)
        }
        sendContinueIfDue(context: context)
        watchClient(context: context)
    }

    // MARK: - Slow and idle clients

    /// Keeps the request timer running while the client owes part of a request, and the idle timer while it
    /// owes nothing and is owed nothing.
    private func watchClient(context: ChannelHandlerContext) {
        guard !closing else { return }
        if parser.isMidRequest, stalledInput == nil {
            if requestTimer == nil {
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                requestTimer = context.eventLoop.scheduleTask(in: TimeAmount(environment.timeouts.request)) {
                    handler.value.requestTimedOut()
                }
            }
        } else {
            requestTimer?.cancel()
            requestTimer = nil
        }
        if current == nil, parser.completed.isEmpty, !parser.isMidRequest, stalledInput == nil {
            armIdleTimer(context: context)
        }
    }

    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: TimeAmount(environment.timeouts.keepAlive)) {
            handler.value.idleTimedOut()
        }
    }

    private func cancelClientTimers() {
        requestTimer?.cancel()
        requestTimer = nil
        idleTimer?.cancel()
        idleTimer = nil
    }

    private func requestTimedOut() {
        requestTimer = nil
        guard let context, !closing, parser.isMidRequest else { return }
        environment.logger.info("client too slow to send its request", metadata: ["connection": "\(connectionID)"])
        inputFinished = true
        if current == nil, parser.completed.isEmpty {
            write(CannedResponse.make(.requestTimeout, close: true, allocator: context.channel.allocator), context: context)
        }
        closeAfterWrites(context: context)
    }

    private func idleTimedOut() {
        idleTimer = nil
        guard let context, current == nil, parser.completed.isEmpty, !parser.isMidRequest else { return }
        closeAfterWrites(context: context)
    }

    private func resumeParsing(context: ChannelHandlerContext) {
        guard let input = stalledInput else { return }
        stalledInput = nil
        parse(input, context: context)
        if stalledInput == nil, !inputFinished, readRequested {
            readRequested = false
            context.read()
        }
    }

    private func start(_ request: ParsedRequest, context: ChannelHandlerContext) {
        if environment.operations != nil { exchange = Exchange(request.requestLine) }
        switch request.disposition {
        case .reject(let status, let extraHeaders):
            write(
                CannedResponse.make(
                    status, close: !request.keepAlive, extraHeaders: extraHeaders, includeBody: !request.isHead,
                    allocator: context.channel.allocator),
                context: context)
            finish(keepAlive: request.keepAlive, context: context)
        case .directory(let directory, let relativePath, let requestPath, let conditions):
            current = .file(keepAlive: request.keepAlive)
            serveFile(
                directory: directory, relativePath: relativePath, requestPath: requestPath, conditions: conditions,
                request: request, context: context)
        case .handler(let index, let message, let upload):
            nextToken += 1
            if !handlersUsed.contains(index) { handlersUsed.append(index) }
            current = .handler(Answering(index: index, token: nextToken, keepAlive: request.keepAlive, upload: upload))
            environment.counters.inFlight.add(1, ordering: .relaxed)
            responseParser.reset(answeringHead: request.isHead)
            if let upload {
                // Sent under the same token: Mongrel2 handlers do not answer the start message.
                environment.dispatcher.submit(
                    handler: index, connectionID: connectionID, token: nextToken, message: upload.startMessage, retriable: false)
            }
            environment.dispatcher.submit(
                handler: index, connectionID: connectionID, token: nextToken, message: message, retriable: request.isSafe)
            armReplyTimer(context: context)
        }
    }

    private func serveFile(
        directory: DirectoryConfiguration, relativePath: [UInt8], requestPath: String, conditions: FileConditions,
        request: ParsedRequest, context: ChannelHandlerContext
    ) {
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        environment.files.respond(
            directory: directory, relativePath: relativePath, requestPath: requestPath, conditions: conditions,
            isHead: request.isHead, keepAlive: request.keepAlive, eventLoop: context.eventLoop
        ).whenComplete { [isHead = request.isHead, keepAlive = request.keepAlive] result in
            loopBoundSelf.value.fileReady(result, isHead: isHead, keepAlive: keepAlive, context: loopBoundContext.value)
        }
    }

    private func fileReady(
        _ result: Result<StaticFileResponse, any Error>, isHead: Bool, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        guard !closing else {
            if case .success(.file(_, _, let handle)) = result { try? handle.close() }
            return
        }
        switch result {
        case .success(.file(let head, let body, let handle)):
            exchange?.response.count(head)
            var pieces: [IOData] = [.byteBuffer(head)]
            for part in body {
                switch part {
                case .bytes(let buffer):
                    exchange?.response.countBody(buffer.readableBytes)
                    pieces.append(.byteBuffer(buffer))
                case .file(let range):
                    exchange?.response.countBody(range.count)
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: Self.fileRegionBytes) {
                        let end = min(start + Self.fileRegionBytes, range.upperBound)
                        pieces.append(.fileRegion(FileRegion(fileHandle: handle, readerIndex: start, endIndex: end)))
                    }
                }
            }
            for piece in pieces.dropLast() { send(piece, flush: false, context: context) }
            send(pieces.last!, context: context).whenComplete { _ in try? handle.close() }
        case .success(.redirect(let location)):
            write(
                CannedResponse.make(
                    .movedPermanently, close: !keepAlive, extraHeaders: ["Location: \(location)"],
                    includeBody: !isHead, allocator: context.channel.allocator),
                context: context)
        case .success(.error(let status, let extraHeaders)):
            write(
                CannedResponse.make(
                    status, close: !keepAlive, extraHeaders: extraHeaders, includeBody: !isHead,
                    allocator: context.channel.allocator),
                context: context)
        case .failure(let error):
            environment.logger.error("cannot serve file", metadata: ["error": "\(error)"])
            write(CannedResponse.make(.internalServerError, close: true, allocator: context.channel.allocator), context: context)
            finish(keepAlive: false, context: context)
            return
        }
        finish(keepAlive: keepAlive, context: context)
    }

    /// The current request is answered: close if it asked for that, else go on to the next.
    private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        reportExchange()
        replyTimer?.cancel()
        replyTimer = nil
        if case .handler = current { environment.counters.inFlight.subtract(1, ordering: .relaxed) }
        current = nil
        if keepAlive {
            processNext(context: context)
        } else {
            closeAfterWrites(context: context)
        }
    }

    // MARK: - Handler replies

    /// An event from the dispatcher, on this connection's event loop.
    func dispatcherEvent(_ event: DispatcherEvent) {
        guard let context, !closing else { return }
        switch event {
        case .reply(let bytes):
            relay(bytes, context: context)
        case .close:
            closeAfterWrites(context: context)
        case .dispatched(let token):
            if case .handler(let answering) = current, answering.token == token { armReplyTimer(context: context) }
        case .unavailable(let token):
            guard case .handler(let answering) = current, answering.token == token else { return }
            write(
                CannedResponse.make(
                    .serviceUnavailable, close: !answering.keepAlive, extraHeaders: ["Retry-After: 1"],
                    allocator: context.channel.allocator),
                context: context)
            finish(keepAlive: answering.keepAlive, context: context)
        case .handlerLost(let token):
            guard case .handler(let answering) = current, answering.token == token else { return }
            environment.logger.warning("handler process went away holding a request", metadata: ["connection": "\(connectionID)"])
            guard !answering.wroteBytes else {
                closeAfterWrites(context: context)
                return
            }
            write(CannedResponse.make(.badGateway, close: !answering.keepAlive, allocator: context.channel.allocator), context: context)
            finish(keepAlive: answering.keepAlive, context: context)
        }
    }

    private func relay(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        guard case .handler(var answering) = current else {
            // Nothing is waiting for an answer: Mongrel2 handlers may push to idle connections; pass it on.
            if current == nil { write(bytes, context: context) }
            return
        }
        switch responseParser.feed(bytes) {
        case .incomplete:
            answering.wroteBytes = true
            current = .handler(answering)
            write(bytes, context: context)
            armReplyTimer(context: context)
        case .complete(let consumed):
            write(bytes.getSlice(at: bytes.readerIndex, length: consumed)!, context: context)
            if consumed < bytes.readableBytes {
                environment.logger.warning(
                    "dropping bytes a handler sent past the end of its response",
                    metadata: ["connection": "\(connectionID)", "bytes": "\(bytes.readableBytes - consumed)"])
            }
            finish(keepAlive: answering.keepAlive && responseParser.keepAlive, context: context)
        case .malformed:
            environment.logger.warning(
                "handler reply is not a valid HTTP response", metadata: ["connection": "\(connectionID)"])
            if !answering.wroteBytes {
                write(CannedResponse.make(.badGateway, close: true, allocator: context.channel.allocator), context: context)
            }
            closeAfterWrites(context: context)
        }
    }

    /// Starts (or restarts) the wait for the handler's reply; it restarts on every part of a streamed reply.
    private func armReplyTimer(context: ChannelHandlerContext) {
        replyTimer?.cancel()
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        replyTimer = context.eventLoop.scheduleTask(in: TimeAmount(environment.timeouts.reply)) {
            handler.value.replyTimedOut()
        }
    }

    private func replyTimedOut() {
        guard let context, case .handler(let answering) = current else { return }
        environment.logger.warning("handler did not reply in time", metadata: ["connection": "\(connectionID)"])
        if !answering.wroteBytes {
            write(CannedResponse.make(.gatewayTimeout, close: true, allocator: context.channel.allocator), context: context)
        }
        // A late reply would be taken for the next request's, so the connection cannot go on.
        closeAfterWrites(context: context)
    }

    // MARK: - Output

    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        exchange?.response.count(buffer)
        send(.byteBuffer(buffer), context: context)
    }

    /// Writes `data`, and keeps the write timer running until the client has taken it: a client that stops
    /// reading (slow read) cannot hold the connection and its output forever.
    @discardableResult
    private func send(_ data: IOData, flush: Bool = true, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let promise = context.eventLoop.makePromise(of: Void.self)
        if unfinishedWrites == 0 { lastWriteCompleted = .now() }  // the wait starts now, not at the last write
        unfinishedWrites += 1
        if writeTimer == nil { armWriteTimer(at: lastWriteCompleted + TimeAmount(environment.timeouts.write), context: context) }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in handler.value.writeFinished() }
        if flush {
            context.writeAndFlush(wrapOutboundOut(data), promise: promise)
        } else {
            context.write(wrapOutboundOut(data), promise: promise)
        }
        return promise.futureResult
    }

    private func writeFinished() {
        unfinishedWrites -= 1
        lastWriteCompleted = .now()
    }

    private func armWriteTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        writeTimer = context.eventLoop.scheduleTask(deadline: deadline) { handler.value.writeTimerFired() }
    }

    private func writeTimerFired() {
        writeTimer = nil
        guard let context, unfinishedWrites > 0 else { return }
        let deadline = lastWriteCompleted + TimeAmount(environment.timeouts.write)
        guard deadline <= .now() else {
            armWriteTimer(at: deadline, context: context)  // the client took something since: wait on
            return
        }
        environment.logger.info("client too slow to read its response", metadata: ["connection": "\(connectionID)"])
        // Its output will never drain, so there is nothing to wait for: close now and drop what is queued.
        closing = true
        context.close(promise: nil)
    }

    /// Closes once everything already written has gone out.
    private func closeAfterWrites(context: ChannelHandlerContext) {
        reportExchange()
        guard !closing else { return }
        closing = true
        inputFinished = true
        replyTimer?.cancel()
        replyTimer = nil
        cancelClientTimers()
        let channel = context.channel
        send(.byteBuffer(channel.allocator.buffer(capacity: 0)), context: context).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// The current request is done with, answered or not: report it.
    private func reportExchange() {
        guard let exchange else { return }
        self.exchange = nil
        environment.operations?.requestCompleted(exchange.completed(connectionID: connectionID, remoteAddress: remoteAddress))
    }
}
