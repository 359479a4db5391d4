import Logging
import LurcherProtocol
import NIOCore

/// The NIO glue around one client connection's ``HTTP1Connection``: it feeds the connection what the channel,
/// the parsers, the dispatcher, the file responder and the timer report, and carries out the actions it returns.
///
/// The rules (ordering, deadlines, slow clients, what a reply or a timeout means) are all in ``HTTP1Connection``;
/// this class owns what needs NIO or C: the channel, the parsers, input held back, and the timer.
final class HTTP1ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler, DispatcherEventReceiver, DeadlineTimed,
    ProxyExchangeDelegate
{
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let connectionID: UInt64
    private let remoteAddress: String
    private let environment: GatewayEnvironment
    private let security: ConnectionSecurity
    private let parser: HTTPRequestParser
    private let responseParser = HTTPResponseParser()
    private var dateStamp = ResponseDateStamp()
    private var connection: HTTP1Connection<HTTP1Output>
    private var context: ChannelHandlerContext?
    /// Input the parser has not taken yet because enough requests are waiting.
    private var heldInput: ByteBuffer?
    /// What the client sent after a WebSocket handshake, kept for the WebSocket room, and what the handler sent
    /// after its 101 in the same reply.
    private var inputAfterHandshake: ByteBuffer?
    private var framesAfter101: ByteBuffer?
    private var mailbox: ConnectionMailbox?
    /// The handler and token of the streamed upload being sent, the latest this connection began.
    private var uploadToken: (handler: Int, token: UInt64)?
    /// The current request's exchange with its proxy route's backend, if it went to one.
    private var proxyExchange: ProxyExchange?
    /// The backend connection a 101 from it is to be spliced to.
    private var spliceBackend: BackendConnection?
    /// Its figures for the control port; the WebSocket room takes it over.
    private let record: ConnectionRecord
    var timer: Scheduled<Void>?
    /// Set while actions are being carried out: an event raised by one (a parse of held input) only queues more.
    private var performing = false

    /// - Parameters:
    ///   - fileDescriptor: the client socket's, shown by the control port; -1 when there is none.
    ///   - security: TLS or not, which sets the scheme and may add a header to every answer.
    init(
        connectionID: UInt64, remoteAddress: String, fileDescriptor: Int32, environment: GatewayEnvironment,
        security: ConnectionSecurity = .plain
    ) {
        self.security = security
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.environment = environment
        record = ConnectionRecord(id: connectionID, fileDescriptor: fileDescriptor)
        parser = HTTPRequestParser(
            connectionID: connectionID, remoteAddress: remoteAddress, router: environment.router,
            handlers: environment.handlerIdentities, limits: environment.limits, uploads: environment.uploads,
            summarizes: environment.operations != nil, trustsForwarding: environment.trustsForwarding(from: remoteAddress),
            counters: environment.counters, scheme: security.scheme, httpsRedirect: environment.httpsRedirect)
        if let sha1 = security.peerCertificateSHA1 { parser.clientCertificateIdentified(sha1: sha1) }
        connection = HTTP1Connection(
            timeouts: environment.timeouts, maxWaiting: environment.limits.maxPipelinedRequests,
            recordsExchanges: environment.operations != nil, uploadPieceLimit: environment.uploads.streamPieceLimit,
            answerHeaders: security.answerHeader.map { [$0] } ?? [])
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        mailbox = environment.connectionOpened(record, receiver: self, context: context, now: now)
        connection.opened(now: now)
        perform()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        environment.connections.closed(id: connectionID)
        connection.closed(now: now)
        perform()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        record.read(buffer.readableBytes, now: now)
        if inputAfterHandshake != nil {
            inputAfterHandshake!.writeBuffer(&buffer)
            return
        }
        guard !connection.inputFinished else { return }
        if heldInput != nil {
            heldInput!.writeImmutableBuffer(buffer)
            report(.held)
        } else {
            parse(buffer)
        }
        perform()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            var cutShort: HTTPStatus?
            if connection.checksEndOfInput, case .failed(let status) = parser.finish() { cutShort = status }
            connection.inputEnded(cutShort: cutShort, now: now)
            perform()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        proxyExchange?.clientWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if connection.readRequested() { context.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        environment.logger.debug("connection error", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        context.close(promise: nil)
    }

    /// An event from the dispatcher, on this connection's event loop.
    func dispatcherEvent(_ event: DispatcherEvent) {
        guard context != nil else { return }
        let now = self.now
        if connection.receive(event, record: record, now: now) { return perform() }
        switch event {
        case .reply(let bytes) where connection.isAtHandler:
            responseParser.feed(bytes) { part in
                // Frames sent right after a 101 in the same reply: past the response's end, for the WebSocket.
                if connection.closing, case .end(_, let excess) = part, excess > 0 {
                    framesAfter101 = bytes.getSlice(at: bytes.writerIndex - excess, length: excess)
                }
                // A final answer without a Date gets one; an interim one (a 101 included) is passed as sent.
                var part = part
                if case .head(let status, let head) = part, status >= 200, let stamped = dateStamp.stamped(head) {
                    part = .head(status: status, stamped)
                }
                connection.replied(withAnswerHeader(part).map(HTTP1Output.bytes), now: now)
            }
        case .reply(let bytes): connection.pushed(.bytes(bytes), now: now)
        case .whenWritten(let receipt): context?.returnCredits(receipt, connectionID: connectionID, to: environment.dispatcher)
        // Only a WebSocket's messages are held so, or have a holder, and HTTP/1 has handed it over by then.
        case .held, .webSocketHolderGone: break
        // Requests still being answered are answered; the gateway's shutdown closes what remains.
        case .gatewayStopping: break
        // Handled by the connection itself, above.
        case .close, .dispatched, .unavailable, .handlerLost, .keepAlive, .credits, .cancel, .creditsOverdrawn: break
        }
        perform()
    }

    // MARK: - Input

    /// Parses `buffer` as far as the waiting room allows, and tells the connection what came of it. A streamed
    /// upload's body is parsed only as far as the connection allows; what is left is held until it allows more.
    private func parse(_ buffer: ByteBuffer) {
        var buffer = buffer
        if parser.readsStreamedBody || parser.uploadAwaitsStart {
            if parser.readsStreamedBody {
                guard feedStreamedBody(&buffer) else { return }
            }
            if parser.readsStreamedBody || parser.uploadAwaitsStart || buffer.readableBytes == 0 {
                heldInput = buffer.readableBytes > 0 ? buffer : nil
                report(heldInput == nil ? .consumedAll : .held)
                return
            }
        }
        let outcome = parser.feed(buffer, room: connection.roomForRequests)
        while let request = parser.completed.popFirst() {
            record.serving(.http, now: now)
            connection.requestParsed(request)
        }
        switch outcome {
        case .consumedAll:
            heldInput = nil
            report(.consumedAll)
        case .paused(let consumed):
            heldInput = buffer.getSlice(at: buffer.readerIndex + consumed, length: buffer.readableBytes - consumed)
            report(.held)
        case .upgraded(let consumed):
            heldInput = nil
            inputAfterHandshake =
                buffer.getSlice(at: buffer.readerIndex + consumed, length: buffer.readableBytes - consumed) ?? ByteBuffer()
            report(.upgraded)
        case .failed(let status):
            heldInput = nil
            environment.logger.info(
                "rejected malformed request", metadata: ["connection": "\(connectionID)", "status": "\(status.code)"])
            report(.malformed(status))
        }
    }

    /// Feeds the parser the streamed upload's body from the front of `buffer`, no more than the connection's
    /// allowance (less what was read and not yet sent), and sends each piece that makes. Returns false when the
    /// input turned out malformed, which has been reported.
    private func feedStreamedBody(_ buffer: inout ByteBuffer) -> Bool {
        while parser.readsStreamedBody, buffer.readableBytes > 0 {
            let room = connection.uploadAllowance - parser.pendingUploadBytes
            guard room > 0 else { break }
            // Chunk framing is fed too, so the body bytes of a slice are at most the room: no piece overdraws.
            let slice = buffer.readSlice(length: min(room, buffer.readableBytes))!
            switch parser.feed(slice, room: connection.roomForRequests) {
            case .consumedAll: break
            case .paused(let consumed):
                // The body ended inside the slice: what follows it is the next request's.
                buffer.moveReaderIndex(to: buffer.readerIndex - (slice.readableBytes - consumed))
            case .failed(let status):
                heldInput = nil
                environment.logger.info(
                    "rejected malformed upload body", metadata: ["connection": "\(connectionID)", "status": "\(status.code)"])
                report(.malformed(status))
                return false
            case .upgraded(let consumed):
                // A proxied upgrade's head: what follows is the other protocol's, kept for the backend.
                var after = slice.getSlice(at: slice.readerIndex + consumed, length: slice.readableBytes - consumed) ?? ByteBuffer()
                after.writeBuffer(&buffer)
                inputAfterHandshake = after
                heldInput = nil
                report(.upgraded)
                return false
            }
            sendUploadPieces()
        }
        return true
    }

    /// Sends the streamed upload's pieces that are ready, once its first message has gone.
    private func sendUploadPieces() {
        if let proxyExchange {
            while let piece = parser.takeUploadPiece() {
                connection.uploadSent(bytes: piece.bodyBytes, isLast: piece.isLast, now: now)
                proxyExchange.sendBody(piece.message, isLast: piece.isLast)
            }
            return
        }
        guard let token = uploadToken else { return }
        while let piece = parser.takeUploadPiece() {
            environment.dispatcher.submitUploadPiece(
                handler: token.handler, connectionID: connectionID, token: token.token, message: piece.message)
            connection.uploadSent(bytes: piece.bodyBytes, isLast: piece.isLast, now: now)
        }
    }

    /// Begins the current streamed upload: its first message carries what the client sent with the head.
    private func startUploadStream(handler: Int, token: UInt64) {
        environment.counters.inFlight.increment()
        responseParser.reset(answeringHead: false)
        if let input = heldInput {
            heldInput = nil
            parse(input)
        }
        let start = parser.takeUploadStart()
        uploadToken = (handler, token)
        environment.dispatcher.submit(
            handler: handler, connectionID: connectionID, token: token, message: start.message, retriable: false,
            startsUploadStream: true)
        connection.uploadSent(bytes: start.bodyBytes, isLast: start.isLast, now: now)
        // A body that was all there may be followed by the next requests, held until the first message was out.
        if start.isLast, let input = heldInput {
            heldInput = nil
            parse(input)
        }
    }

    /// Begins the current request's exchange with its proxy route's backend, with the body sent with the head.
    private func startProxy(_ request: ProxyRequest, keepAlive: Bool, context: ChannelHandlerContext) {
        environment.counters.inFlight.increment()
        uploadToken = nil
        if let input = heldInput {
            heldInput = nil
            parse(input)
        }
        let start = parser.takeUploadStart()
        // Reported before the exchange starts, which may grant credits at once (a kept-alive backend connection).
        connection.uploadSent(bytes: start.bodyBytes, isLast: start.isLast, now: now)
        let exchange = ProxyExchange(
            request: request, clientKeepAlive: keepAlive, pool: environment.proxies.pool(on: context.eventLoop),
            clientChannel: context.channel, delegate: self)
        proxyExchange = exchange
        exchange.start(body: start.message, isLast: start.isLast)
        if start.isLast, let input = heldInput {
            heldInput = nil
            parse(input)
        }
    }

    // MARK: - Proxy exchange events

    func proxyReplied(_ part: ReplyPart<ByteBuffer>) {
        connection.replied(withAnswerHeader(part).map(HTTP1Output.bytes), now: now)
        perform()
    }

    func proxyGranted(credits: Int) {
        connection.creditsGranted(credits, now: now)
        perform()
    }

    func proxyFailed(_ status: HTTPStatus) {
        proxyExchange = nil
        connection.proxyFailed(status, now: now)
        perform()
    }

    func proxyAwaitsClient(_ waiting: Bool) {
        connection.proxyAwaitsClient(waiting, now: now)
        perform()
    }

    func proxySwitchedProtocols(to backend: BackendConnection, head: ReplyPart<ByteBuffer>) {
        proxyExchange = nil
        spliceBackend = backend
        connection.replied(withAnswerHeader(head).map(HTTP1Output.bytes), now: now)
        perform()
    }

    /// What a proxied request adds to the actions every glue carries out alike: when the request ends, or its
    /// reply times out, its backend exchange ends too.
    private func endProxyExchange(after action: HTTP1Connection<HTTP1Output>.Action) {
        switch action {
        case .handlerRequestEnded:
            proxyExchange?.abandon()
            proxyExchange = nil
        case .notice(.handlerTooSlow):
            proxyExchange?.timedOut()
            proxyExchange = nil
        default:
            break
        }
    }

    /// Puts a splice in this handler's place, once the backend's 101 is written: from here bytes pass both ways
    /// untouched, what the client sent after its request first (kept in `inputAfterHandshake` until the backend's
    /// side is ready). The control port's table forgets the connection when the splice ends.
    private func spliceToBackend(context: ChannelHandlerContext) {
        context.flush()
        cancelTimer()
        guard let backend = spliceBackend.take() else {
            context.close(promise: nil)
            return
        }
        environment.dispatcher.connectionClosed(connectionID: connectionID, notifying: [], tellHandlers: false)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        ProxySplice.detachBackend(backend, client: context.channel) { result in
            handler.value.joinSplice(backend, backendReady: result)
        }
    }

    private func joinSplice(_ backend: BackendConnection, backendReady: Result<Void, any Error>) {
        guard let context else {
            backend.close()
            return
        }
        let environment = self.environment
        let connectionID = self.connectionID
        do {
            try backendReady.get()
            try ProxySplice.joinClient(context, to: backend, input: inputAfterHandshake.take()) {
                environment.connections.closed(id: connectionID)
            }
            let channel = context.channel
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            ProxySplice.resume(client: channel, backend: backend)
        } catch {
            environment.logger.error("cannot splice to a backend", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
            backend.close()
            context.close(promise: nil)
        }
    }

    private func report(_ outcome: HTTP1Connection<HTTP1Output>.InputOutcome) {
        connection.inputParsed(
            outcome, midRequest: parser.isMidRequest, awaitsContinue: parser.expectsContinue, now: now)
    }

    // MARK: - Actions

    /// Carries out every action the connection has asked for, including those that carrying them out raises.
    private func perform() {
        guard !performing, let context else { return }
        performing = true
        defer { performing = false }
        // One flush for everything the actions wrote, so that a reply's head and body leave in one system call.
        // A flush can raise events of its own (a failed write closes the channel), so their actions run after it.
        while carryOutActions(context: context) { context.flush() }
    }

    /// Carries out the actions queued so far; returns whether any wrote.
    private func carryOutActions(context: ChannelHandlerContext) -> Bool {
        var wrote = false
        while let action = connection.nextAction() {
            endProxyExchange(after: action)
            if environment.carryOutCommon(action, connectionID: connectionID, remoteAddress: remoteAddress) { continue }
            switch action {
            case .write(let write):
                self.write(write, context: context)
                wrote = true
            case .submit(let submission): submit(submission)
            case .startUploadStream(let handler, let token): startUploadStream(handler: handler, token: token)
            case .startProxy(let request, _, let keepAlive): startProxy(request, keepAlive: keepAlive, context: context)
            case .serveFile(let request): serveFile(request, context: context)
            case .parseHeldInput:
                if let input = heldInput {
                    heldInput = nil
                    parse(input)
                }
            case .read: context.read()
            case .closeAfterWrites: context.closeAfterWrites()
            case .closeNow: context.close(promise: nil)
            case .scheduleWake(let time): scheduleTimer(at: time, context: context)
            case .handOver(let handOver): handOverToWebSocket(handOver, context: context)
            case .spliceToBackend: spliceToBackend(context: context)
            case .report, .handlerRequestEnded, .notice, .tellHandlersClosed: break  // carried out above
            }
        }
        return wrote
    }

    private func write(_ write: HTTP1Connection<HTTP1Output>.Write, context: ChannelHandlerContext) {
        switch write {
        case .canned(let response):
            let bytes = ByteBuffer(string: response.encoded())
            record.wrote(bytes.readableBytes, now: now)
            context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
        case .continueInterim:
            parser.acknowledgeContinue()
            let interim = ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")
            assert(interim.readableBytes == HTTP1Connection<HTTP1Output>.continueInterimBytes)
            record.wrote(interim.readableBytes, now: now)
            context.write(wrapOutboundOut(.byteBuffer(interim)), promise: nil)
        case .output(let output):
            record.wrote(output.byteCount, now: now)
            output.write(to: context)
        }
    }

    private func submit(_ submission: HTTP1Connection<HTTP1Output>.Submission) {
        responseParser.reset(answeringHead: submission.answersHead)
        environment.submit(submission, connectionID: connectionID)
    }

    private func serveFile(_ request: HTTP1Connection<HTTP1Output>.FileRequest, context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        environment.serveFile(request, keepAlive: request.keepAlive, eventLoop: context.eventLoop).whenComplete { [isHead = request.isHead, keepAlive = request.keepAlive] result in
            handler.value.fileReady(result, isHead: isHead, keepAlive: keepAlive)
        }
    }

    private func fileReady(_ result: Result<StaticFileResponse, any Error>, isHead: Bool, keepAlive: Bool) {
        guard connection.awaitsFile else {
            if case .success(.file(_, _, _, _, let handle)) = result { try? handle.close() }
            return
        }
        let answer = HTTP1Connection<HTTP1Output>.FileAnswer(result, logger: environment.logger) {
            status, headBytes, head, body, handle in
            var head = head
            var headBytes = headBytes
            if let line = security.answerHeader, let decorated = ResponseHeadInsertion.inserting(line, into: head, headLength: headBytes) {
                headBytes += decorated.readableBytes - head.readableBytes
                head = decorated
            }
            return .send(.file(head: head, body: body, handle: handle), status: status, headBytes: headBytes)
        }
        connection.fileReady(answer, keepAlive: keepAlive, isHead: isHead, now: now)
        perform()
    }

    /// A handler's reply part with the connection's answer header (HSTS) added to its head.
    private func withAnswerHeader(_ part: ReplyPart<ByteBuffer>) -> ReplyPart<ByteBuffer> {
        guard let line = security.answerHeader, case .head(let status, let head) = part,
            let decorated = ResponseHeadInsertion.inserting(line, into: head, headLength: head.readableBytes)
        else { return part }
        return .head(status: status, decorated)
    }

    /// Puts the WebSocket room in this handler's place, with what it needs: the client's input after the
    /// handshake, the handler's frames after its 101, and the mailbox, so events on their way reach it.
    /// What HTTP/1 wrote (the 101) is flushed first.
    private func handOverToWebSocket(_ handOver: WebSocketHandOver, context: ChannelHandlerContext) {
        context.flush()
        cancelTimer()
        let webSocket = WebSocketConnectionHandler(
            connectionID: connectionID, remoteAddress: remoteAddress, environment: environment, mailbox: mailbox!,
            record: record,
            handOver: handOver, input: inputAfterHandshake.take(), frames: framesAfter101.take())
        do {
            try context.pipeline.syncOperations.addHandler(webSocket, position: .after(self))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            webSocket.begin()
        } catch {
            environment.logger.error("cannot start a WebSocket", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
            context.close(promise: nil)
        }
    }

    // MARK: - Timer

    private var now: Duration { context?.connectionNow ?? .zero }

    /// One timer watches every deadline (see ``ConnectionDeadlines``).
    func timerFired() {
        timer = nil
        guard let context else { return }
        connection.wake(now: now) { context.bufferedWritableBytes }
        perform()
    }
}
