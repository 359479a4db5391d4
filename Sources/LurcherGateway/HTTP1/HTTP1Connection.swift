import LurcherConfiguration
import LurcherProtocol

/// One HTTP/1 client connection's rules, with no NIO in them: it is told what happened (requests parsed, reply
/// parts, file answers, deadlines passing) with the time, and answers with ``Action``s for its glue,
/// ``HTTP1ConnectionHandler``, to carry out.
///
/// Requests on a connection are answered one at a time, in arrival order. A pipelined request waits, already
/// parsed, until the one before it is answered; only then does it go to its handler. Mongrel2 replies carry a
/// connection id but no request id, so this is what lets the gateway know which request a reply answers.
///
/// Actions queue inside the connection, and the glue takes them with ``nextAction()`` after each event: the
/// queue's storage is reused, so the request path allocates nothing for it.
struct HTTP1Connection<Output: ConnectionOutput> {
    /// A moment, as time since an arbitrary origin: the glue passes its event loop's clock, a test its own.
    typealias Instant = ConnectionDeadlines.Instant

    /// The request being answered.
    private enum Current {
        case handler(Answering)
        case file
    }

    /// A request sent (or held) for a handler, and what its reply has done so far.
    private struct Answering {
        var token: UInt64
        var keepAlive: Bool
        /// The request's spooled body, if it had one; released (and its file deleted) with the answer.
        var upload: HandlerUpload?
        var wroteBytes = false
        /// For a WebSocket handshake: the encoder of the WebSocket's messages, handed over with a 101.
        var webSocket: WebSocketMessageEncoder?
        /// For a streamed upload: the handler's credits and how far the body has been sent.
        var stream: UploadCredits?
        /// A proxied request asking to switch protocols: a 101 splices the connection to the backend's.
        var proxiesUpgrade = false
    }

    private let timeouts: Timeouts
    private let maxWaiting: Int
    private let recordsExchanges: Bool
    private let uploadPieceLimit: Int
    /// Header lines added to every answer the gateway writes itself (HSTS over TLS).
    private let answerHeaders: [String]

    private var current: Current?
    /// Requests parsed and not yet begun, oldest first; at most `maxWaiting` (see ``roomForRequests``).
    private var waiting: [ParsedRequest] = []
    private var nextToken: UInt64 = 0
    private var deadlines = ConnectionDeadlines()
    private var writeProgress = WriteProgress()
    /// Input is held back, unparsed, because enough requests wait.
    private var inputHeld = false
    /// Set once the input is unusable (malformed, ended, or the connection is closing): nothing more is parsed.
    private(set) var inputFinished = false
    private var readDeferred = false
    private(set) var closing = false
    /// The client has begun a request and owes the rest of it.
    private var clientMidRequest = false
    /// The request being read asked for `100 Continue` and has not had it.
    private var clientAwaitsContinue = false
    /// Handlers that were sent a request on this connection; they hear when it closes.
    private var handlersUsed: [Int] = []
    /// A handler asked for the close (an empty reply, or `ctl cancel`), so no handler is told of it.
    private var closedByHandler = false
    /// The request being answered, followed for the access log (nil when nothing records requests).
    private var exchange: Exchange?
    private var actions = ActionQueue<Action>()

    /// - Parameters:
    ///   - maxWaiting: how many parsed requests may wait; the parser pauses beyond it.
    ///   - recordsExchanges: whether answered requests are reported (an access log, metrics or events want them).
    ///   - uploadPieceLimit: the most body bytes one message of a streamed upload carries.
    ///   - answerHeaders: header lines for every canned answer (`Name: value`).
    init(
        timeouts: Timeouts, maxWaiting: Int, recordsExchanges: Bool, uploadPieceLimit: Int = 64 * 1024,
        answerHeaders: [String] = []
    ) {
        self.answerHeaders = answerHeaders
        self.timeouts = timeouts
        self.maxWaiting = maxWaiting
        self.recordsExchanges = recordsExchanges
        self.uploadPieceLimit = uploadPieceLimit
    }

    /// The next thing to do, or nil when everything asked so far is done.
    mutating func nextAction() -> Action? { actions.next() }

    private mutating func act(_ action: Action) { actions.append(action) }

    // MARK: - Client events

    /// The connection is open.
    mutating func opened(now: Instant) {
        setDeadline(.idle, in: timeouts.keepAlive, now: now)
    }

    /// How many more requests the parser may complete before it must pause.
    var roomForRequests: Int { maxWaiting - waiting.count }

    /// A request the parser completed.
    mutating func requestParsed(_ request: ParsedRequest) {
        waiting.append(request)
    }

    /// The client's input was parsed as far as it goes (after any ``requestParsed(_:)``), or held back unparsed.
    /// - Parameters:
    ///   - midRequest: the client has begun a request it has not finished.
    ///   - awaitsContinue: the request being read asked for `100 Continue`.
    mutating func inputParsed(_ outcome: InputOutcome, midRequest: Bool, awaitsContinue: Bool, now: Instant) {
        deadlines[.idle] = nil
        clientMidRequest = midRequest
        clientAwaitsContinue = awaitsContinue
        switch outcome {
        case .consumedAll:
            inputHeld = false
        case .held:
            inputHeld = true
        case .malformed(let status) where stream.map({ !$0.ended }) == true:
            // A streamed upload's body broke (bad chunking, or past `max_body_bytes`): it can never end, so its
            // client hears why now and the handler hears of the close.
            inputHeld = false
            inputFinished = true
            if case .handler(let answering) = current, !answering.wroteBytes {
                write(CannedResponse(status: status, close: true), now: now)
            }
            closeAfterWrites(now: now)
        case .malformed(let status):
            inputHeld = false
            inputFinished = true
            waiting.append(ParsedRequest(disposition: .reject(status, extraHeaders: []), isHead: false, keepAlive: false))
        case .upgraded:
            // What follows the handshake is frames, which the glue keeps for the WebSocket room; no more HTTP is
            // read, and reads wait for that room.
            inputHeld = false
            inputFinished = true
        }
        if !readsPaused, !inputFinished, readDeferred {
            readDeferred = false
            act(.read)
        }
        processNext(now: now)
    }

    /// Whether the client is not to be read: input is held back, or a streamed upload waits for its handler's
    /// credits (its client is read no further than they go, which bounds what the gateway holds).
    private var readsPaused: Bool { inputHeld || stream?.awaitsCredits == true }

    /// Whether the glue should ask the parser if the input ended mid-request, now that the client closed its side.
    var checksEndOfInput: Bool { !isAtHandler && !inputFinished && !inputHeld }

    /// The client closed its side of the connection.
    /// - Parameter cutShort: the status for a request the end of input cut short, if it did.
    mutating func inputEnded(cutShort: HTTPStatus?, now: Instant) {
        if isAtHandler {
            // A client that ends its input while a handler holds its request has left, as a browser closing a tab
            // does: Mongrel2 and nginx (499) treat it so. Closing now tells the handler at once, frees its place or
            // drops the held request, and logs 499 if nothing was sent.
            act(.notice(.clientLeftWhileAtHandler))
            closing = true
            act(.closeNow)
            return
        }
        // The client half-closed with nothing at a handler: answer what it sent, then close.
        if let cutShort {
            waiting.append(ParsedRequest(disposition: .reject(cutShort, extraHeaders: []), isHead: false, keepAlive: false))
        }
        inputFinished = true
        processNext(now: now)
    }

    /// The channel asks for more input; returns whether to read now. Reads wait while requests are waiting or
    /// the input is done, so a client cannot queue unbounded work.
    mutating func readRequested() -> Bool {
        guard readsPaused || inputFinished || closing else { return true }
        readDeferred = true
        return false
    }

    /// The connection has closed.
    mutating func closed(now: Instant) {
        deadlines = ConnectionDeadlines()
        closing = true
        reportExchange(now: now)
        endCurrent()
        act(.tellHandlersClosed(handlersUsed, notify: !closedByHandler))
    }

    // MARK: - Answering

    /// Starts answering the next waiting request, if the connection is free.
    private mutating func processNext(now: Instant) {
        while current == nil, !closing, !waiting.isEmpty {
            let request = waiting.removeFirst()
            if inputHeld { act(.parseHeldInput) }
            start(request, now: now)
        }
        if current == nil, !closing, waiting.isEmpty, inputFinished, !inputHeld {
            closeAfterWrites(now: now)
        }
        sendContinueIfDue(now: now)
        watchClient(now: now)
    }

    private mutating func start(_ request: ParsedRequest, now: Instant) {
        if recordsExchanges { exchange = Exchange(request.requestLine, started: now) }
        switch request.disposition {
        case .reject(let status, let extraHeaders):
            write(
                CannedResponse(status: status, close: !request.keepAlive, extraHeaders: extraHeaders, includeBody: !request.isHead),
                now: now)
            finish(keepAlive: request.keepAlive, now: now)
        case .directory(let directory, let relativePath, let requestPath, let conditions):
            current = .file
            act(
                .serveFile(
                    FileRequest(
                        directory: directory, relativePath: relativePath, requestPath: requestPath, conditions: conditions,
                        isHead: request.isHead, keepAlive: request.keepAlive)))
        case .handler(let index, let message, let upload):
            submit(message, to: index, request: request, answering: Answering(token: 0, keepAlive: request.keepAlive, upload: upload), now: now)
        case .webSocketHandshake(let message, let messages):
            submit(
                message, to: messages.handler, request: request,
                answering: Answering(token: 0, keepAlive: request.keepAlive, webSocket: messages), now: now)
        case .proxy(let proxy):
            nextToken += 1
            // The body streams to the backend as a streamed upload does to a handler, the backend's writes granting
            // the credits, so the client is read no faster than the backend takes it.
            current = .handler(
                Answering(
                    token: nextToken, keepAlive: request.keepAlive,
                    stream: UploadCredits(pieceLimit: ProxyExchange.uploadPieceLimit, chunked: proxy.framing == .chunked),
                    proxiesUpgrade: proxy.upgrade))
            if clientAwaitsContinue {
                clientAwaitsContinue = false
                send(.continueInterim, bytes: Self.continueInterimBytes, now: now)
            }
            act(.startProxy(proxy, token: nextToken, keepAlive: request.keepAlive))
        case .streamedUpload(let index, let chunked):
            nextToken += 1
            if !handlersUsed.contains(index) { handlersUsed.append(index) }
            current = .handler(
                Answering(
                    token: nextToken, keepAlive: request.keepAlive,
                    stream: UploadCredits(pieceLimit: uploadPieceLimit, chunked: chunked)))
            // A client waiting on `100 Continue` sends nothing until it has it, and the first message is due now.
            if clientAwaitsContinue {
                clientAwaitsContinue = false
                send(.continueInterim, bytes: Self.continueInterimBytes, now: now)
            }
            act(.startUploadStream(handler: index, token: nextToken))
        }
    }

    /// Sends `message` to the handler at `index`, the current request now being `answering`'s.
    private mutating func submit(
        _ message: [UInt8], to index: Int, request: ParsedRequest, answering: Answering, now: Instant
    ) {
        nextToken += 1
        if !handlersUsed.contains(index) { handlersUsed.append(index) }
        var answering = answering
        answering.token = nextToken
        current = .handler(answering)
        act(
            .submit(
                Submission(
                    handler: index, token: nextToken, message: message, uploadStart: answering.upload?.startMessage,
                    retriable: request.isSafe, answersHead: request.isHead)))
        setDeadline(.reply, in: timeouts.reply, now: now)
    }

    /// The length of `HTTP/1.1 100 Continue\r\n\r\n`, which the glue writes for ``Write/continueInterim``.
    static var continueInterimBytes: Int { 25 }

    /// Tells a client waiting on `Expect: 100-continue` to send its body, once nothing else is being answered:
    /// a 100 must not land inside another response.
    private mutating func sendContinueIfDue(now: Instant) {
        guard clientAwaitsContinue, current == nil, waiting.isEmpty, !closing else { return }
        clientAwaitsContinue = false
        send(.continueInterim, bytes: Self.continueInterimBytes, now: now)
    }

    /// The current request is answered: close if it asked for that, else go on to the next.
    private mutating func finish(keepAlive: Bool, now: Instant) {
        // A streamed upload answered before its body was all read leaves the rest unread: nothing can follow it.
        let keepAlive = keepAlive && stream.map(\.ended) != false
        reportExchange(now: now)
        deadlines[.reply] = nil
        endCurrent()
        if keepAlive {
            processNext(now: now)
        } else {
            closeAfterWrites(now: now)
        }
    }

    /// Forgets the current request. One that went to a handler leaves the in-flight count.
    private mutating func endCurrent() {
        if case .handler = current { act(.handlerRequestEnded) }
        current = nil
    }

    private mutating func reportExchange(now: Instant) {
        guard let exchange else { return }
        self.exchange = nil
        act(.report(exchange, at: now))
    }

    // MARK: - Streamed uploads

    /// The current request's streamed upload, if it is one.
    private var stream: UploadCredits? {
        guard case .handler(let answering) = current else { return nil }
        return answering.stream
    }

    /// How many more body bytes of the current streamed upload the glue may read now (0 when none is current).
    var uploadAllowance: Int {
        guard !closing else { return 0 }
        return stream?.allowance ?? 0
    }

    /// The glue sent a message of the current streamed upload, the first or a later one, carrying `bytes` of body.
    mutating func uploadSent(bytes: Int, isLast: Bool, now: Instant) {
        guard !closing, case .handler(var answering) = current, answering.stream != nil else { return }
        answering.stream!.sent(bytes: bytes, isLast: isLast)
        current = .handler(answering)
        timeUpload(now: now)
    }

    /// A handler's `ctl credits`: the current streamed upload may read that much more. A connection with no
    /// upload streaming ignores it, as Mongrel2 does (its credits wait unused for an upload that never comes).
    mutating func creditsGranted(_ credits: Int, now: Instant) {
        guard !closing, case .handler(var answering) = current, let stream = answering.stream, stream.started,
            !stream.ended, credits > 0
        else { return }
        let wasWaiting = stream.awaitsCredits
        answering.stream!.grant(credits)
        current = .handler(answering)
        timeUpload(now: now)
        guard wasWaiting else { return }
        if inputHeld {
            act(.parseHeldInput)
        } else if readDeferred, !inputFinished {
            readDeferred = false
            act(.read)
        }
    }

    /// Times whichever side a streamed upload waits on: the handler (`timeouts.reply`) while it owes credits or,
    /// once the body is all sent, the answer; the client (`timeouts.request`, from its last progress) while it
    /// owes body bytes the handler has asked for.
    private mutating func timeUpload(now: Instant) {
        guard let stream else { return }
        if stream.ended || stream.awaitsCredits {
            deadlines[.request] = nil
            if deadlines[.reply] == nil { setDeadline(.reply, in: timeouts.reply, now: now) }
        } else {
            deadlines[.reply] = nil
            setDeadline(.request, in: timeouts.request, now: now)
        }
    }

    // MARK: - Files

    /// Whether a file answer would still be used; when not, the glue releases what it opened.
    var awaitsFile: Bool {
        guard case .file = current else { return false }
        return !closing
    }

    /// The lookup for the current Dir request is done.
    mutating func fileReady(_ answer: FileAnswer, keepAlive: Bool, isHead: Bool, now: Instant) {
        guard awaitsFile else { return }
        switch answer {
        case .send(let output, let status, let headBytes):
            exchange?.sentHead(status: status.code, bytes: headBytes)
            exchange?.sentBody(bytes: output.byteCount - headBytes)
            send(.output(output), bytes: output.byteCount, now: now)
        case .canned(let status, let extraHeaders):
            write(CannedResponse(status: status, close: !keepAlive, extraHeaders: extraHeaders, includeBody: !isHead), now: now)
        case .failed:
            write(CannedResponse(status: .internalServerError, close: true), now: now)
            finish(keepAlive: false, now: now)
            return
        }
        finish(keepAlive: keepAlive, now: now)
    }

    // MARK: - Output

    private mutating func write(_ response: CannedResponse, now: Instant) {
        var response = response
        response.extraHeaders += answerHeaders
        exchange?.sentHead(status: response.status.code, bytes: response.headByteCount)
        exchange?.sentBody(bytes: response.bodyByteCount)
        send(.canned(response), bytes: response.headByteCount + response.bodyByteCount, now: now)
    }

    /// Writes, and sets the write deadline if none is running: a client that stops reading (slow read) cannot
    /// hold the connection and its output forever.
    private mutating func send(_ write: Write, bytes: Int, now: Instant) {
        startWriteDeadlineIfNone(now: now)
        writeProgress.wrote(bytes)
        act(.write(write))
    }

    private mutating func startWriteDeadlineIfNone(now: Instant) {
        guard deadlines[.write] == nil else { return }
        // With no write deadline set, everything written before has gone out (see `writeDeadlinePassed`).
        writeProgress.deadlineStarted()
        setDeadline(.write, in: timeouts.write, now: now)
    }

    /// Closes once everything already written has gone out.
    private mutating func closeAfterWrites(now: Instant) {
        reportExchange(now: now)
        guard !closing else { return }
        closing = true
        inputFinished = true
        deadlines[.reply] = nil
        deadlines[.request] = nil
        deadlines[.idle] = nil
        // The last output must still leave within the write timeout.
        startWriteDeadlineIfNone(now: now)
        act(.closeAfterWrites)
    }

    // MARK: - Handler replies

    /// Whether a handler's reply now answers the current request (and goes to the reply parser), rather than
    /// being pushed to an idle connection.
    var isAtHandler: Bool {
        guard case .handler = current else { return false }
        return true
    }

    /// A part of the current request's reply.
    mutating func replied(_ part: ReplyPart<Output>, now: Instant) {
        guard !closing, case .handler(var answering) = current else { return }
        switch part {
        case .head(let status, let output):
            exchange?.sentHead(status: status, bytes: output.byteCount)
            answering.wroteBytes = true
            current = .handler(answering)
            send(.output(output), bytes: output.byteCount, now: now)
            setDeadline(.reply, in: timeouts.reply, now: now)
            if status == 101 { handOver(answering, now: now) }
        case .body(let output):
            exchange?.sentBody(bytes: output.byteCount)
            send(.output(output), bytes: output.byteCount, now: now)
            setDeadline(.reply, in: timeouts.reply, now: now)
        case .end(let keepAlive, let excessBytes):
            if excessBytes > 0 { act(.notice(.replyTooLong(excessBytes: excessBytes))) }
            finish(keepAlive: answering.keepAlive && keepAlive, now: now)
        case .malformed:
            act(.notice(.replyMalformed))
            if !answering.wroteBytes { write(CannedResponse(status: .badGateway, close: true), now: now) }
            closeAfterWrites(now: now)
        }
    }

    /// The seam where a connection leaves HTTP/1: a handler's `101 Switching Protocols`. The 101 to a WebSocket
    /// handshake hands the connection to the WebSocket room, with the handshake's exchange, which is reported
    /// when the WebSocket closes; HTTP/1 is done with it. A 101 to anything else has no protocol to go on in,
    /// so the connection closes once it is out.
    private mutating func handOver(_ answering: Answering, now: Instant) {
        if answering.proxiesUpgrade {
            // The backend's 101 is logged now: what follows is another protocol's, which HTTP/1 cannot count.
            reportExchange(now: now)
            endCurrent()
            closing = true
            deadlines = ConnectionDeadlines()
            act(.spliceToBackend)
            return
        }
        guard let messages = answering.webSocket else {
            reportExchange(now: now)
            endCurrent()
            closeAfterWrites(now: now)
            return
        }
        endCurrent()
        closing = true
        deadlines = ConnectionDeadlines()
        act(.handOver(WebSocketHandOver(messages: messages, exchange: exchange, handlers: handlersUsed, lastToken: nextToken)))
        exchange = nil
    }

    /// Bytes a handler sent while no request of this connection was at it: Mongrel2 handlers may push to idle
    /// connections, so they pass on; while a file is being answered they would corrupt it, so they are dropped.
    mutating func pushed(_ output: Output, now: Instant) {
        guard current == nil, !closing else { return }
        send(.output(output), bytes: output.byteCount, now: now)
    }

    /// A handler asked for the connection to be closed once its queued output is written.
    mutating func handlerClosed(now: Instant) {
        guard !closing else { return }
        // The handler knows: Mongrel2 sends no disconnect notice after a close the handler asked for.
        closedByHandler = true
        closeAfterWrites(now: now)
    }

    /// A handler's `ctl keep-alive`. Mongrel2 pings the one idle clock it keeps per connection (`Register_ping`,
    /// which its reaper compares with `limits.min_ping`), whatever the connection waits for; here that is the
    /// keep-alive idle deadline between requests and the reply deadline of a request at a handler, so both start
    /// again, whichever runs. The request and write deadlines time the client, not the handler, and stay.
    mutating func keptAlive(now: Instant) {
        guard !closing else { return }
        if deadlines[.idle] != nil { setDeadline(.idle, in: timeouts.keepAlive, now: now) }
        if deadlines[.reply] != nil { setDeadline(.reply, in: timeouts.reply, now: now) }
    }

    /// A handler's `ctl cancel` (or an extended reply nobody knows): close now, dropping queued output, and tell
    /// no handler. Like Mongrel2, one that already asked for a close (an empty reply) is let finish it.
    mutating func cancelled() {
        guard !closing else { return }
        closedByHandler = true
        closing = true
        inputFinished = true
        act(.closeNow)
    }

    /// A flow-controlled handler sent more than its download credits allow: close now, dropping queued output.
    /// Unlike a cancel, the handlers hear of it, as in Mongrel2 (`Register_disconnect`, then its notice).
    mutating func creditsOverdrawn() {
        guard !closing else { return }
        closing = true
        inputFinished = true
        act(.closeNow)
    }

    /// The request with `token` had been held, and has now been sent to a handler: its reply time starts now.
    mutating func dispatched(token: UInt64, now: Instant) {
        guard !closing, case .handler(let answering) = current, answering.token == token else { return }
        setDeadline(.reply, in: timeouts.reply, now: now)
    }

    /// No handler could take the request with `token`.
    mutating func unavailable(token: UInt64, now: Instant) {
        guard !closing, case .handler(let answering) = current, answering.token == token else { return }
        write(
            CannedResponse(status: .serviceUnavailable, close: !answering.keepAlive, extraHeaders: ["Retry-After: 1"]),
            now: now)
        finish(keepAlive: answering.keepAlive, now: now)
    }

    /// The handler process holding the request with `token` went away before answering it.
    mutating func handlerLost(token: UInt64, now: Instant) {
        guard !closing, case .handler(let answering) = current, answering.token == token else { return }
        act(.notice(.handlerLostRequest))
        guard !answering.wroteBytes else {
            closeAfterWrites(now: now)
            return
        }
        write(CannedResponse(status: .badGateway, close: !answering.keepAlive), now: now)
        finish(keepAlive: answering.keepAlive, now: now)
    }

    // MARK: - Proxy routes

    /// The current request's backend cannot answer (`status`: 502 when it refused or sent nothing usable): the
    /// client gets `status` if none of the response has gone yet, and otherwise only the close, since a response
    /// cut short after its head cannot be finished.
    mutating func proxyFailed(_ status: HTTPStatus, now: Instant) {
        guard !closing, case .handler(let answering) = current else { return }
        guard !answering.wroteBytes else {
            closeAfterWrites(now: now)
            return
        }
        let keepAlive = answering.keepAlive && answering.stream?.ended != false
        write(CannedResponse(status: status, close: !keepAlive), now: now)
        finish(keepAlive: keepAlive, now: now)
    }

    /// The current request's backend waits for the client to read what it has sent (`waiting`), or no longer does:
    /// the reply deadline times the backend, so it stops while the client is the slow one (the write deadline
    /// times that), and starts again when the backend is read once more.
    mutating func proxyAwaitsClient(_ waiting: Bool, now: Instant) {
        guard !closing, case .handler = current else { return }
        if waiting {
            deadlines[.reply] = nil
        } else {
            setDeadline(.reply, in: timeouts.reply, now: now)
        }
    }

    // MARK: - Deadlines

    /// The glue's timer woke.
    /// - Parameter bufferedBytes: how many written bytes have not reached the kernel yet; read only when the write
    ///   deadline has passed (nil when the channel cannot say).
    mutating func wake(now: Instant, bufferedBytes: () -> Int?) {
        deadlines.woke()
        while let kind = deadlines.takeExpired(at: now) {
            switch kind {
            case .request: requestTimedOut(now: now)
            case .idle: idleTimedOut(now: now)
            case .reply: replyTimedOut(now: now)
            case .write: writeDeadlinePassed(bufferedBytes: bufferedBytes(), now: now)
            }
        }
        // What ran above may have set deadlines, and scheduled the timer for them.
        if let next = deadlines.nextWake() { act(.scheduleWake(at: next)) }
    }

    private mutating func setDeadline(_ kind: ConnectionDeadlines.Kind, in timeout: Duration, now: Instant) {
        if let wake = deadlines.set(kind, at: now + timeout) { act(.scheduleWake(at: wake)) }
    }

    /// Keeps the request deadline set while the client owes part of a request, and the idle deadline while it
    /// owes nothing and is owed nothing.
    private mutating func watchClient(now: Instant) {
        guard !closing else { return }
        if clientMidRequest, !readsPaused {
            if deadlines[.request] == nil { setDeadline(.request, in: timeouts.request, now: now) }
        } else {
            deadlines[.request] = nil
        }
        if current == nil, waiting.isEmpty, !clientMidRequest, !inputHeld {
            setDeadline(.idle, in: timeouts.keepAlive, now: now)
        }
    }

    private mutating func requestTimedOut(now: Instant) {
        guard !closing, clientMidRequest else { return }
        act(.notice(.clientTooSlowToSend))
        inputFinished = true
        if current == nil, waiting.isEmpty {
            write(CannedResponse(status: .requestTimeout, close: true), now: now)
        }
        closeAfterWrites(now: now)
    }

    private mutating func idleTimedOut(now: Instant) {
        guard current == nil, waiting.isEmpty, !clientMidRequest else { return }
        closeAfterWrites(now: now)
    }

    private mutating func replyTimedOut(now: Instant) {
        guard case .handler(let answering) = current else { return }
        act(.notice(.handlerTooSlow))
        if !answering.wroteBytes { write(CannedResponse(status: .gatewayTimeout, close: true), now: now) }
        // A late reply would be taken for the next request's, so the connection cannot go on.
        closeAfterWrites(now: now)
    }

    /// Output has waited a whole write timeout: fine if it is all out or the client took some since the last
    /// check (then it gets another timeout), else the client has stopped reading.
    private mutating func writeDeadlinePassed(bufferedBytes: Int?, now: Instant) {
        switch writeProgress.check(buffered: bufferedBytes) {
        case .drained: return
        case .reading:
            setDeadline(.write, in: timeouts.write, now: now)
            return
        case .stalled: break
        }
        act(.notice(.clientTooSlowToRead))
        // Its output will never drain, so there is nothing to wait for: close now and drop what is queued.
        closing = true
        act(.closeNow)
    }
}
