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

    private let connectionID: UInt64
    private let remoteAddress: String
    private let environment: GatewayEnvironment
    private let parser: HTTPRequestParser
    private let responseParser = HTTPResponseParser()
    private var context: ChannelHandlerContext?
    private var current: Current?
    private var nextToken: UInt64 = 0
    /// When the client or the handler must next have done something; one timer, `watchdog`, watches them all.
    private var deadlines = ConnectionDeadlines()
    private var watchdog: Scheduled<Void>?
    /// When `watchdog` wakes. Only a deadline earlier than this reschedules it.
    private var watchdogWakes: NIODeadline?
    /// Bytes handed to the channel so far, and how many of them had reached the kernel when the write deadline
    /// was last set: a client that took some output in the meantime has more time.
    private var bytesWritten: Int64 = 0
    private var bytesFlushedAtWriteCheck: Int64 = 0
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
            summarizes: environment.operations != nil, counters: environment.counters)
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        environment.counters.openConnections.add(1, ordering: .relaxed)
        setDeadline(.idle, in: environment.timeouts.keepAlive, context: context)
        environment.dispatcher.register(
            connectionID: connectionID,
            sink: ConnectionSink(eventLoop: context.eventLoop, handler: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        watchdog?.cancel()
        watchdog = nil
        deadlines = ConnectionDeadlines()
        closing = true
        reportExchange()
        environment.counters.openConnections.subtract(1, ordering: .relaxed)
        endCurrent()
        environment.dispatcher.connectionClosed(connectionID: connectionID, notifying: handlersUsed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputFinished else { return }
        let buffer = unwrapInboundIn(data)
        deadlines[.idle] = nil
        if stalledInput != nil {
            stalledInput!.writeImmutableBuffer(buffer)
        } else {
            parse(buffer, context: context)
        }
        processNext(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            if case .handler = current {
                // A client that ends its input while a handler holds its request has left, as a browser closing
                // a tab does: Mongrel2 and nginx (499) treat it so. Closing now tells the handler at once
                // (`channelInactive`), frees its place or drops the held request, and logs 499 if nothing was sent.
                environment.logger.debug("client left while its request was at a handler", metadata: ["connection": "\(connectionID)"])
                closing = true
                context.close(promise: nil)
                context.fireUserInboundEventTriggered(event)
                return
            }
            // The client half-closed with nothing at a handler: answer what it sent, then close.
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

    /// Keeps the request deadline set while the client owes part of a request, and the idle deadline while it
    /// owes nothing and is owed nothing.
    private func watchClient(context: ChannelHandlerContext) {
        guard !closing else { return }
        if parser.isMidRequest, stalledInput == nil {
            if deadlines[.request] == nil { setDeadline(.request, in: environment.timeouts.request, context: context) }
        } else {
            deadlines[.request] = nil
        }
        if current == nil, parser.completed.isEmpty, !parser.isMidRequest, stalledInput == nil {
            setDeadline(.idle, in: environment.timeouts.keepAlive, context: context)
        }
    }

    private func requestTimedOut() {
        guard let context, !closing, parser.isMidRequest else { return }
        environment.logger.info("client too slow to send its request", metadata: ["connection": "\(connectionID)"])
        environment.counters.clientsTooSlowToSend.add(1, ordering: .relaxed)
        inputFinished = true
        if current == nil, parser.completed.isEmpty {
            write(CannedResponse.make(.requestTimeout, close: true, allocator: context.channel.allocator), context: context)
        }
        closeAfterWrites(context: context)
    }

    private func idleTimedOut() {
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
            environment.counters.inFlight.increment()
            responseParser.reset(answeringHead: request.isHead)
            if let upload {
                // Sent under the same token: Mongrel2 handlers do not answer the start message.
                environment.dispatcher.submit(
                    handler: index, connectionID: connectionID, token: nextToken, message: upload.startMessage, retriable: false)
            }
            environment.dispatcher.submit(
                handler: index, connectionID: connectionID, token: nextToken, message: message, retriable: request.isSafe)
            setDeadline(.reply, in: environment.timeouts.reply, context: context)
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
                    pieces.append(
                        .fileRegion(FileRegion(fileHandle: handle, readerIndex: range.lowerBound, endIndex: range.upperBound)))
                }
            }
            for piece in pieces.dropLast() { send(piece, flush: false, context: context) }
            let sent = context.eventLoop.makePromise(of: Void.self)
            sent.futureResult.whenComplete { _ in try? handle.close() }
            send(pieces.last!, promise: sent, context: context)
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

    /// Forgets the current request. One that went to a handler leaves the in-flight count, which a drain waits on.
    private func endCurrent() {
        if case .handler = current { environment.counters.inFlight.decrement() }
        current = nil
    }

    /// The current request is answered: close if it asked for that, else go on to the next.
    private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        reportExchange()
        deadlines[.reply] = nil
        endCurrent()
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
            if case .handler(let answering) = current, answering.token == token {
                setDeadline(.reply, in: environment.timeouts.reply, context: context)
            }
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
            setDeadline(.reply, in: environment.timeouts.reply, context: context)
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

    /// Writes `data`, and sets the write deadline if none is running: a client that stops reading (slow read)
    /// cannot hold the connection and its output forever.
    private func send(
        _ data: IOData, flush: Bool = true, promise: EventLoopPromise<Void>? = nil, context: ChannelHandlerContext
    ) {
        if deadlines[.write] == nil {
            // With no write deadline set, everything written before has gone out (see `writeDeadlinePassed`).
            bytesFlushedAtWriteCheck = bytesWritten
            setDeadline(.write, in: environment.timeouts.write, context: context)
        }
        bytesWritten += Int64(data.readableBytes)
        if flush {
            context.writeAndFlush(wrapOutboundOut(data), promise: promise)
        } else {
            context.write(wrapOutboundOut(data), promise: promise)
        }
    }

    /// Output has waited a whole write timeout: fine if it is all out or the client took some since the last
    /// check (then it gets another timeout), else the client has stopped reading.
    private func writeDeadlinePassed() {
        guard let context, let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes),
            buffered > 0
        else { return }
        let flushed = bytesWritten - Int64(buffered)
        if flushed > bytesFlushedAtWriteCheck {
            bytesFlushedAtWriteCheck = flushed
            setDeadline(.write, in: environment.timeouts.write, context: context)
            return
        }
        environment.logger.info("client too slow to read its response", metadata: ["connection": "\(connectionID)"])
        environment.counters.clientsTooSlowToRead.add(1, ordering: .relaxed)
        // Its output will never drain, so there is nothing to wait for: close now and drop what is queued.
        closing = true
        context.close(promise: nil)
    }

    // MARK: - Deadlines

    private func setDeadline(_ kind: ConnectionDeadlines.Kind, in timeout: Duration, context: ChannelHandlerContext) {
        let time = NIODeadline.now() + TimeAmount(timeout)
        deadlines[kind] = time
        if let wakes = watchdogWakes, wakes <= time { return }
        scheduleWatchdog(at: time, context: context)
    }

    private func scheduleWatchdog(at time: NIODeadline, context: ChannelHandlerContext) {
        watchdog?.cancel()
        watchdogWakes = time
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        watchdog = context.eventLoop.scheduleTask(deadline: time) { handler.value.watchdogWoke() }
    }

    private func watchdogWoke() {
        watchdog = nil
        watchdogWakes = nil
        for kind in deadlines.takeExpired(at: .now()) {
            switch kind {
            case .request: requestTimedOut()
            case .idle: idleTimedOut()
            case .reply: replyTimedOut()
            case .write: writeDeadlinePassed()
            }
        }
        // What ran above may have set deadlines, and scheduled the watchdog for them.
        if let context, let next = deadlines.earliest, next < watchdogWakes ?? .distantFuture {
            scheduleWatchdog(at: next, context: context)
        }
    }

    /// Closes once everything already written has gone out.
    private func closeAfterWrites(context: ChannelHandlerContext) {
        reportExchange()
        guard !closing else { return }
        closing = true
        inputFinished = true
        deadlines[.reply] = nil
        deadlines[.request] = nil
        deadlines[.idle] = nil
        let channel = context.channel
        let flushed = context.eventLoop.makePromise(of: Void.self)
        flushed.futureResult.whenComplete { _ in channel.close(promise: nil) }
        send(.byteBuffer(channel.allocator.buffer(capacity: 0)), promise: flushed, context: context)
    }

    /// The current request is done with, answered or not: report it.
    private func reportExchange() {
        guard let exchange else { return }
        self.exchange = nil
        environment.operations?.requestCompleted(exchange.completed(connectionID: connectionID, remoteAddress: remoteAddress))
    }
}
