import Logging
import LurcherProtocol
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// The NIO glue around one HTTP/2 stream: one request, with a connection id of its own, answered by a handler,
/// a Dir route or the gateway.
///
/// The request's head and body go through the same ``RequestIntake`` as HTTP/1's, and the same rules answer it
/// (``HTTP1Connection`` with one request and no keep-alive: reply, request and write deadlines, held requests,
/// lost handlers, canned errors, the access log). What differs is on the wire: the head comes as HPACK fields, and
/// every answer, an HTTP/1.1 response, goes out as HEADERS and DATA frames (``HTTP2ResponseFramer``).
///
/// Handlers hear of a stream's close (a disconnect notice) only when it ends before its answer is complete: the
/// client reset it, or the connection went. A stream answered in full is done with, as a request is.
final class HTTP2StreamHandler: ChannelInboundHandler, DispatcherEventReceiver, DeadlineTimed {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let connectionID: UInt64
    private let remoteAddress: String
    private let environment: GatewayEnvironment
    private let security: ConnectionSecurity
    private let fileIO: NonBlockingFileIO
    private var intake: RequestIntake
    private var connection: HTTP1Connection<HTTP2Output>
    /// Parses the handler's reply; canned answers and file heads get a framer of their own.
    private let replyFramer = HTTP2ResponseFramer()
    private let record: ConnectionRecord
    private var context: ChannelHandlerContext?
    private var mailbox: ConnectionMailbox?
    var timer: Scheduled<Void>?
    private var performing = false

    private var headReceived = false
    private var requestEnded = false
    /// The stream's last frame (END_STREAM) is written, or a reset.
    private var streamEnded = false
    /// The handler's answer went out whole: it need not hear of the close.
    private var answerComplete = false
    /// The last write, which the stream's closing waits for.
    private var lastWrite: EventLoopFuture<Void>?
    /// DATA bytes written and not yet passed to the connection (flow control holds them), for the write deadline.
    private var unsentBytes = 0

    init(
        connectionID: UInt64, remoteAddress: String, fileDescriptor: Int32, environment: GatewayEnvironment,
        security: ConnectionSecurity, fileIO: NonBlockingFileIO
    ) {
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.environment = environment
        self.security = security
        self.fileIO = fileIO
        record = ConnectionRecord(id: connectionID, fileDescriptor: fileDescriptor)
        intake = RequestIntake(
            connectionID: connectionID, peer: Array(remoteAddress.utf8), scheme: security.scheme,
            router: environment.router, handlers: environment.handlerIdentities, maxBodyBytes: environment.limits.maxBodyBytes,
            uploads: environment.uploads, summarizes: environment.operations != nil,
            trustsForwarding: environment.trustsForwarding(from: remoteAddress), counters: environment.counters,
            httpsRedirect: environment.httpsRedirect)
        if let sha1 = security.peerCertificateSHA1 { intake.clientCertificateIdentified(sha1: sha1) }
        connection = HTTP1Connection(
            timeouts: environment.timeouts, maxWaiting: 1, recordsExchanges: environment.operations != nil,
            answerHeaders: security.answerHeader.map { [$0] } ?? [])
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        environment.counters.http2Streams.add(1, ordering: .relaxed)
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
        switch unwrapInboundIn(data) {
        case .headers(let headers) where !headReceived:
            record.read(headers.headers.count, now: now)
            receiveHead(headers.headers, endStream: headers.endStream)
        case .headers(let trailers):
            // Trailers end the request; handlers get no trailers (Mongrel2 has none to give them).
            if trailers.endStream { endRequest() }
        case .data(let data):
            guard case .byteBuffer(let buffer) = data.data else { break }
            record.read(buffer.readableBytes, now: now)
            receiveBody(buffer)
            if data.endStream { endRequest() }
        default:
            break
        }
        perform()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        environment.logger.debug("stream error", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - The request

    /// Fills the intake's head from the stream's header block: the pseudo-header fields give the method and
    /// target, `:authority` stands in for a missing `host`, and `cookie` crumbs are joined (RFC 9113, 8.2.3).
    /// NIOHTTP2 has checked the block already: pseudo-headers first and known, names lowercase, no
    /// connection-specific field.
    private func receiveHead(_ headers: HPACKHeaders, endStream: Bool) {
        headReceived = true
        intake.beginRequest()
        intake.head.version = .http11
        intake.head.overHTTP2 = true
        var authority: String?
        var cookies: [String] = []
        var hasHost = false
        for (name, value, _) in headers {
            switch name {
            case ":method": intake.head.method = RequestMethod(name: Array(value.utf8))
            case ":path": intake.head.url = Array(value.utf8)
            case ":authority": authority = value
            case _ where name.hasPrefix(":"): break
            case "cookie": cookies.append(value)
            default:
                if name == "host" { hasHost = true }
                intake.head.appendField(name: name, value: value)
            }
        }
        if intake.head.method == .connect, let authority { intake.head.url = Array(authority.utf8) }
        if !hasHost, let authority { intake.head.appendField(name: "host", value: authority) }
        if !cookies.isEmpty { intake.head.appendField(name: "cookie", value: cookies.joined(separator: "; ")) }

        let limits = environment.limits
        let declaredLength = intake.head.value(of: "content-length").flatMap { UInt64(String(decoding: $0, as: UTF8.self)) }
        var refusal: HTTPStatus?
        if intake.head.url.count > limits.maxURIBytes {
            refusal = .uriTooLong
        } else if intake.head.fields.count > limits.maxHeaderCount {
            refusal = .requestHeaderFieldsTooLarge
        } else if let declaredLength, let status = intake.refusal(declaredBodyLength: declaredLength) {
            refusal = status
        } else {
            // A body with no declared length is told to the intake as a chunked one would be: its length is
            // known only at its end.
            refusal = intake.receiveHead(chunked: !endStream && declaredLength == nil, contentLength: declaredLength)
        }
        if let refusal {
            refuse(refusal)
            return
        }
        if intake.streamsUpload {
            // Streamed uploads pace the client's reads by the handler's credits, which HTTP/1's connection does;
            // a client told HTTP_1_1_REQUIRED (curl does it by itself) sends the request again over HTTP/1.1.
            requestEnded = true
            resetRequiringHTTP11()
            return
        }
        if endStream {
            endRequest()
        } else {
            connection.inputParsed(.consumedAll, midRequest: true, awaitsContinue: intake.expectsContinue, now: now)
        }
    }

    private func receiveBody(_ buffer: ByteBuffer) {
        guard headReceived, !requestEnded, !connection.inputFinished else { return }
        if let status = buffer.withUnsafeReadableBytes({ intake.receiveBody($0) }) { refuse(status) }
    }

    private func endRequest() {
        guard headReceived, !requestEnded, !connection.inputFinished else { return }
        requestEnded = true
        record.serving(.http, now: now)
        connection.requestParsed(intake.finishRequest(keepAlive: false))
        connection.inputParsed(.consumedAll, midRequest: false, awaitsContinue: false, now: now)
    }

    /// Answers `status` without reading the rest of the request; the stream is reset once the answer is out.
    private func refuse(_ status: HTTPStatus) {
        requestEnded = true
        connection.inputParsed(.malformed(status), midRequest: false, awaitsContinue: false, now: now)
    }

    // MARK: - Dispatcher events

    func dispatcherEvent(_ event: DispatcherEvent) {
        guard context != nil else { return }
        let now = self.now
        if connection.receive(event, record: record, now: now) { return perform() }
        switch event {
        case .reply(let bytes) where connection.isAtHandler: replied(bytes, now: now)
        // A push to a stream with no request at a handler has nowhere to go: a stream carries one answer.
        case .reply: break
        case .whenWritten(let receipt):
            let dispatcher = environment.dispatcher
            let connectionID = self.connectionID
            afterWrites { result in
                if case .success = result { dispatcher.downloadWritten(receipt, connectionID: connectionID) }
            }
        case .held, .webSocketHolderGone, .gatewayStopping: break
        // Handled by the connection itself, above.
        case .close, .dispatched, .unavailable, .handlerLost, .keepAlive, .credits, .cancel, .creditsOverdrawn: break
        }
        perform()
    }

    /// A handler's reply bytes, made into frames. The parts of one reply that ends the response are handed over
    /// with END_STREAM on the last frame, so a whole answer goes out in as few frames as it can.
    private func replied(_ bytes: ByteBuffer, now: Duration) {
        var parts: [ReplyPart<HTTP2Output>] = []
        replyFramer.feed(bytes) { part in
            switch part {
            case .head(let status, let headers, let headBytes):
                parts.append(.head(status: status, .headers(decorated(headers), endStream: false, bytes: headBytes)))
            case .body(let buffer): parts.append(.body(.data(buffer, endStream: false)))
            case .end(let excessBytes): parts.append(.end(keepAlive: false, excessBytes: excessBytes))
            case .malformed: parts.append(.malformed)
            }
        }
        if case .end = parts.last, parts.count >= 2 {
            switch parts[parts.count - 2] {
            case .head(let status, let output): parts[parts.count - 2] = .head(status: status, output.endingStream)
            case .body(let output): parts[parts.count - 2] = .body(output.endingStream)
            default: break
            }
        }
        if case .end = parts.last { answerComplete = true }
        for part in parts { connection.replied(part, now: now) }
    }

    /// A header block with what every answer gets: a `date` when it has none, and the HSTS header over TLS.
    private func decorated(_ headers: HPACKHeaders) -> HPACKHeaders {
        var headers = headers
        if !headers.contains(name: "date") { headers.add(name: "date", value: HTTPDate.now()) }
        if let line = security.answerHeader, let colon = line.firstIndex(of: ":") {
            headers.add(
                name: line[..<colon].lowercased(), value: String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        return headers
    }

    // MARK: - Actions

    private func perform() {
        guard !performing, let context else { return }
        performing = true
        defer { performing = false }
        while carryOutActions(context: context) { context.flush() }
    }

    private func carryOutActions(context: ChannelHandlerContext) -> Bool {
        var wrote = false
        while let action = connection.nextAction() {
            if environment.carryOutCommon(
                action, connectionID: connectionID, remoteAddress: remoteAddress, tellsHandlers: !answerComplete)
            {
                continue
            }
            switch action {
            case .write(let write):
                self.write(write, context: context)
                wrote = true
            case .submit(let submission): submit(submission)
            case .startUploadStream:
                // A streamed upload's stream is reset before its request is parsed (see ``receiveHead``).
                preconditionFailure("no streamed upload over HTTP/2")
            case .startProxy:
                // Proxy routes stream to their backend on HTTP/1's connection so far.
                resetRequiringHTTP11()
            case .serveFile(let request): serveFile(request, context: context)
            case .parseHeldInput, .read, .spliceToBackend: break
            case .closeAfterWrites:
                let stream = NIOLoopBound(self, eventLoop: context.eventLoop)
                afterWrites { _ in stream.value.endStream() }
            case .closeNow: context.close(promise: nil)
            case .scheduleWake(let time): scheduleTimer(at: time, context: context)
            case .report, .handlerRequestEnded, .notice, .tellHandlersClosed: break  // carried out above
            case .handOver:
                // A 101 has no place on an HTTP/2 stream (the framer refuses it): nothing is handed over.
                context.close(promise: nil)
            }
        }
        return wrote
    }

    private func write(_ write: HTTP1Connection<HTTP2Output>.Write, context: ChannelHandlerContext) {
        switch write {
        case .canned(let response):
            // Dated, and with the answer headers (HSTS), already: framed as it is.
            guard let answer = HTTP2ResponseFramer.parse(ByteBuffer(string: response.encoded()), answeringHead: !response.includeBody)
            else { preconditionFailure("a canned answer is an HTTP/1.1 response") }
            self.write(.headers(answer.headers, endStream: answer.body == nil, bytes: answer.headBytes), context: context)
            if let body = answer.body { self.write(.data(body, endStream: true), context: context) }
        case .continueInterim:
            intake.acknowledgeContinue()
            send(.headers(.init(headers: [":status": "100"])), context: context)
        case .output(let output):
            self.write(output, context: context)
        }
    }

    private func write(_ output: HTTP2Output, context: ChannelHandlerContext) {
        switch output {
        case .headers(let headers, let endStream, _):
            if endStream { streamEnded = true }
            send(.headers(.init(headers: headers, endStream: endStream)), context: context)
        case .data(let buffer, let endStream):
            if endStream { streamEnded = true }
            send(.data(.init(data: .byteBuffer(buffer), endStream: endStream)), context: context)
        case .file(let headers, _, let inline, let body, let handle):
            let endsWithInline = body.isEmpty
            streamEnded = true
            send(.headers(.init(headers: headers, endStream: inline == nil && endsWithInline)), context: context)
            if let inline { send(.data(.init(data: .byteBuffer(inline), endStream: endsWithInline)), context: context) }
            if body.isEmpty {
                try? handle.close()
            } else {
                sendFileBody(body, handle: handle, context: context)
            }
        }
    }

    /// Writes a frame, following it until it has gone on to the connection.
    @discardableResult
    private func send(_ payload: HTTP2Frame.FramePayload, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let promise = context.eventLoop.makePromise(of: Void.self)
        var bytes = 0
        if case .data(let data) = payload { bytes = data.data.readableBytes }
        record.wrote(bytes, now: now)
        if bytes > 0 {
            unsentBytes += bytes
            let stream = NIOLoopBound(self, eventLoop: context.eventLoop)
            promise.futureResult.whenComplete { _ in stream.value.unsentBytes -= bytes }
        }
        context.write(wrapOutboundOut(payload), promise: promise)
        lastWrite = promise.futureResult
        return promise.futureResult
    }

    /// A file's body after its head, read in chunks on the thread pool; each chunk waits for the one before to
    /// go on to the connection, so a client that opens no flow-control window holds one chunk, not the file.
    /// The last frame, empty, ends the stream.
    private func sendFileBody(_ body: [FileBodyPart], handle: NIOFileHandle, context: ChannelHandlerContext) {
        let stream = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        var sent = context.eventLoop.makeSucceededVoidFuture()
        for part in body {
            switch part {
            case .bytes(let buffer):
                sent = sent.flatMap {
                    let future = stream.value.send(.data(.init(data: .byteBuffer(buffer))), context: boundContext.value)
                    boundContext.value.flush()
                    return future
                }
            case .file(let range):
                let fileIO = self.fileIO
                sent = sent.flatMap {
                    fileIO.readChunked(
                        fileHandle: handle, fromOffset: Int64(range.lowerBound), byteCount: range.count,
                        chunkSize: FileRegionReader.chunkSize, allocator: boundContext.value.channel.allocator,
                        eventLoop: boundContext.value.eventLoop
                    ) { chunk in
                        let future = stream.value.send(.data(.init(data: .byteBuffer(chunk))), context: boundContext.value)
                        boundContext.value.flush()
                        return future
                    }
                }
            }
        }
        let done = sent.flatMap {
            let future = stream.value.send(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)), context: boundContext.value)
            boundContext.value.flush()
            return future
        }
        done.whenComplete { result in
            try? handle.close()
            if case .failure = result { boundContext.value.close(promise: nil) }
        }
        lastWrite = done
    }

    /// Resets the stream with HTTP_1_1_REQUIRED and closes it: a request this room cannot carry yet (a streamed
    /// upload, whose client HTTP/1's connection paces by the handler's credits; a proxy route). Clients such as
    /// curl and browsers send it again over HTTP/1.1 by themselves.
    private func resetRequiringHTTP11() {
        guard let context else { return }
        streamEnded = true
        send(.rstStream(.http11Required), context: context)
        context.flush()
        context.close(promise: nil)
    }

    /// Calls `done` once the last write so far has gone on to the connection, or failed.
    private func afterWrites(_ done: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        guard let lastWrite else { return done(.success(())) }
        lastWrite.whenComplete(done)
    }

    /// The connection is done with the stream: a reply whose body ran to the end of its bytes ends here; one cut
    /// short, or never begun, is reset. Then the stream closes, which resets it if the client is still sending.
    private func endStream() {
        guard let context else { return }
        if !streamEnded {
            streamEnded = true
            if replyFramer.sentHead, replyFramer.finish() == .complete {
                answerComplete = true
                send(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)), context: context)
            } else {
                send(.rstStream(.internalError), context: context)
            }
            context.flush()
        }
        let channel = context.channel
        afterWrites { _ in channel.close(promise: nil) }
    }

    private func submit(_ submission: HTTP1Connection<HTTP2Output>.Submission) {
        replyFramer.reset(answeringHead: submission.answersHead)
        environment.submit(submission, connectionID: connectionID)
    }

    // MARK: - Files

    private func serveFile(_ request: HTTP1Connection<HTTP2Output>.FileRequest, context: ChannelHandlerContext) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        // A stream has no `Connection: close` to send: the head says keep-alive, and the framer would drop it anyway.
        environment.serveFile(request, keepAlive: true, eventLoop: context.eventLoop).whenComplete { [isHead = request.isHead] result in
            handler.value.fileReady(result, isHead: isHead)
        }
    }

    private func fileReady(_ result: Result<StaticFileResponse, any Error>, isHead: Bool) {
        guard connection.awaitsFile else {
            if case .success(.file(_, _, _, _, let handle)) = result { try? handle.close() }
            return
        }
        let answer = HTTP1Connection<HTTP2Output>.FileAnswer(result, logger: environment.logger) {
            status, headBytes, head, body, handle in
            // The responder's head is HTTP/1.1, with a small body read in after it: framed like any answer.
            guard let answer = HTTP2ResponseFramer.parse(head, answeringHead: isHead) else {
                try? handle.close()
                return .failed
            }
            return .send(
                .file(headers: decorated(answer.headers), headBytes: headBytes, inline: answer.body, body: body, handle: handle),
                status: status, headBytes: headBytes)
        }
        connection.fileReady(answer, keepAlive: false, isHead: isHead, now: now)
        perform()
    }

    // MARK: - Timer

    private var now: Duration { context?.connectionNow ?? .zero }

    func timerFired() {
        timer = nil
        guard context != nil else { return }
        connection.wake(now: now) { unsentBytes }
        perform()
    }
}
