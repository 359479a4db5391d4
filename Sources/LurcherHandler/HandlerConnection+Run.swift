import Dispatch
import Foundation
import Logging
internal import LurcherProtocol
internal import ZeroMQ

extension HandlerConnection {
    /// Why the connection stops taking requests.
    enum StopReason: Sendable, CustomStringConvertible {
        case shutdown
        /// The service group the connection runs in is shutting down (see ``HandlerService``).
        case gracefulShutdown
        case signal(Int32)
        case parentExited
        case cancelled

        /// Nobody is left to read the answers, so the requests in hand are cancelled.
        var cancelsRequests: Bool {
            switch self {
            case .shutdown, .gracefulShutdown, .signal: false
            case .parentExited, .cancelled: true
            }
        }

        var description: String {
            switch self {
            case .shutdown: "shutdown requested"
            case .gracefulShutdown: "graceful shutdown"
            case .signal(let number): signalName(number)
            case .parentExited: "the gateway process has gone"
            case .cancelled: "run cancelled"
            }
        }
    }

    /// A request in hand; the lifetime is nil for a message too malformed to say whom it is from.
    struct InFlightRequest {
        var task: Task<Void, Never>
        var lifetime: RequestLifetime?
    }

    /// The connection's mutable state, behind its mutex.
    struct State {
        enum Phase { case idle, running, finished }

        var phase = Phase.idle
        /// The loop thread; nil once it has been shut down. Holding the only
        /// reference here lets shutdown drop it, terminating the context,
        /// which is what waits for unsent replies.
        var thread: ZMQLoopThread?
        var stopReason: StopReason?
        var cancelling = false
        var inFlight: [UInt64: InFlightRequest] = [:]
        var nextSerial: UInt64 = 0
        var drainWaiter: CheckedContinuation<Void, Never>?
        var drainDeadlinePassed = false
        var deadlineTimers: [Task<Void, Never>] = []
        /// The open WebSockets, by connection: their messages go to them in order, not to tasks of their own.
        var webSocketSessions: [WebSocketKey: WebSocket] = [:]
        /// Whether the transport has been told to stop taking messages. A stop waits for the open WebSockets,
        /// whose messages come through it too.
        var receivingStopped = false
    }

    /// How long requests in hand get once they have been cancelled.
    private static var cancelledGrace: Duration { .seconds(1) }

    /// Answers requests with `respond` until the connection stops, then drains and returns.
    ///
    /// Each request runs in its own task, at most
    /// ``HandlerSettings/maxConcurrentRequests`` at once. An ``HTTPError``
    /// thrown by `respond` is answered with its status; any other error is
    /// logged and answered with a 500. When the gateway says a client went
    /// away, the tasks of that connection's requests are cancelled and no
    /// reply is sent for them.
    ///
    /// On SIGTERM or SIGINT (with ``HandlerSettings/handlesSignals``, through
    /// a `ServiceGroup` of its own: see ``HandlerService`` to run it in yours) or
    /// ``shutdown()``, it stops taking requests, finishes those in hand (for
    /// up to ``HandlerSettings/drainTimeout``), sends their replies, waits up
    /// to ``HandlerSettings/linger`` for them to leave, and returns. A second
    /// signal ends the process at once. When the gateway process exits, or
    /// the calling task is cancelled, the requests in hand are cancelled instead.
    ///
    /// - Parameters:
    ///   - onDisconnect: called with the connection id when the gateway says a
    ///     client went away (also for a reply sent to a connection that was already gone).
    ///   - respond: makes the response to one request.
    /// - Throws: ``HandlerError`` `alreadyRunning` when called a second time.
    public func run(
        onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)? = nil,
        _ respond: @escaping @Sendable (Request) async throws -> Response
    ) async throws {
        try await run(HandlerService(connection: self, onDisconnect: onDisconnect, respond: respond))
    }

    /// Runs `service` in a group of its own that handles the signals, or without signal handling.
    func run(_ service: HandlerService) async throws {
        if settings.handlesSignals {
            try await service.runUntilSignalled(logger: logger)
        } else {
            try await service.serve()
        }
    }

    /// The run loop of ``run(onDisconnect:_:)`` and ``HandlerService``, without signal handling: answers
    /// requests until ``stop(_:)``, then drains and returns.
    ///
    /// - Parameter webSocket: the WebSocket session and handshake check; nil leaves `WEBSOCKET_HANDSHAKE`
    ///   messages to `respond` like any request.
    func serve(
        onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)?,
        webSocket: WebSocketRoute?,
        _ respond: @escaping @Sendable (Request) async throws -> Response
    ) async throws {
        let (messages, stream) = AsyncStream.makeStream(of: IncomingMessage.self)
        // Without WebSockets, a request's task starts on the loop thread that received it (see IncomingSink).
        var startRequest: (@Sendable ([UInt8], UInt64?) -> Void)?
        if webSocket == nil {
            startRequest = { [weak self] bytes, id in self?.spawn(bytes, requestID: id, webSocket: nil, respond: respond) }
        }
        let sink = IncomingSink(stream: stream, startRequest: startRequest)
        let transport = self.transport
        try state.withLock { state throws(HandlerError) in
            guard state.phase == .idle else { throw .alreadyRunning }
            guard let thread = state.thread else { throw .closed }
            state.phase = .running
            // Queued under the lock, so a concurrent stop() cannot slip its stopReceiving in before this.
            thread.execute { [weak self] loop in
                transport.value.startReceiving(loop: loop, sink: sink) { [weak self] in self?.stop(.parentExited) }
            }
            if state.stopReason != nil { stopReceiving(&state) }
        }
        logger.info(
            "handler running",
            metadata: [
                "pid": "\(ProcessInfo.processInfo.processIdentifier)",
                "max_concurrent_requests": "\(settings.maxConcurrentRequests)",
            ])

        await withTaskCancellationHandler {
            for await message in messages {
                switch message {
                case .request(let bytes, let id):
                    if let socket = webSocket == nil ? nil : openWebSocket(addressing: bytes) {
                        deliver(bytes, requestID: id, to: socket)
                    } else {
                        spawn(bytes, requestID: id, webSocket: webSocket, respond: respond)
                    }
                case .event(let bytes): handleEvent(bytes, onDisconnect: onDisconnect)
                }
            }
            await drain()
        } onCancel: {
            self.stop(.cancelled)
        }
        await closeTransport()
        logger.info("handler stopped")
    }

    // MARK: - Stopping

    func stop(_ reason: StopReason) {
        let (isFirst, waitsForWebSockets, newlyCancelling, toCancel) = state.withLock {
            state -> (Bool, Bool, Bool, [Task<Void, Never>]) in
            let isFirst = state.stopReason == nil
            if isFirst { state.stopReason = reason }
            // Open WebSockets keep their messages coming: the transport stops once they have closed
            // (closeWebSocket), unless nobody is left to read the answers.
            let waitsForWebSockets = !reason.cancelsRequests && !state.webSocketSessions.isEmpty
            if state.phase == .running, !waitsForWebSockets { stopReceiving(&state) }
            guard reason.cancelsRequests && !state.cancelling else { return (isFirst, waitsForWebSockets, false, []) }
            state.cancelling = true
            return (isFirst, waitsForWebSockets, true, state.inFlight.values.map(\.task))
        }
        if isFirst {
            logger.info("stopping: taking no new requests", metadata: ["reason": "\(reason)"])
            if waitsForWebSockets { waitForWebSockets() }
        }
        if newlyCancelling {
            for task in toCancel { task.cancel() }
            scheduleDrainDeadline(after: Self.cancelledGrace)
        }
    }

    /// Tells the transport to stop taking messages, once. Called with the state locked.
    func stopReceiving(_ state: inout State) {
        guard !state.receivingStopped, let thread = state.thread else { return }
        state.receivingStopped = true
        let transport = self.transport
        thread.execute { loop in transport.value.stopReceiving(loop: loop) }
    }

    /// Waits for the requests in hand, or for a drain deadline.
    private func drain() async {
        let count = state.withLock { $0.inFlight.count }
        if count > 0 {
            logger.info("finishing the requests in hand", metadata: ["count": "\(count)"])
        }
        if let timeout = settings.drainTimeout {
            scheduleDrainDeadline(after: timeout)
        }
        await withCheckedContinuation { (drained: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.inFlight.isEmpty || state.drainDeadlinePassed { return true }
                state.drainWaiter = drained
                return false
            }
            if now { drained.resume() }
        }
        let (abandoned, timers) = state.withLock { state in
            state.phase = .finished
            defer { state.deadlineTimers.removeAll() }
            return (state.inFlight.values.map(\.task), state.deadlineTimers)
        }
        for timer in timers { timer.cancel() }
        if !abandoned.isEmpty {
            logger.warning("gave up waiting for requests in hand; they get no reply", metadata: ["count": "\(abandoned.count)"])
            for task in abandoned { task.cancel() }
        }
    }

    private func scheduleDrainDeadline(after delay: Duration) {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled, let self else { return }
            let waiter = state.withLock { state in
                state.drainDeadlinePassed = true
                defer { state.drainWaiter = nil }
                return state.drainWaiter
            }
            waiter?.resume()
        }
        state.withLock { $0.deadlineTimers.append(timer) }
    }

    /// Closes the sockets, then lets the loop thread and its context go on a
    /// background thread: terminating the context blocks until the replies
    /// have been sent, or for ``HandlerSettings/linger`` at most.
    private func closeTransport() async {
        let transport = self.transport
        try? execute { loop in transport.value.close(loop: loop) }
        await withCheckedContinuation { (closed: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.releaseThread()
                closed.resume()
            }
        }
    }

    /// Joins the loop thread and drops the last reference to it, and so to the context.
    private func releaseThread() {
        let thread = state.withLock { $0.thread.take() }
        thread?.shutdown()
    }

    // MARK: - Requests

    private func spawn(
        _ bytes: [UInt8], requestID: UInt64?, webSocket: WebSocketRoute?,
        respond: @escaping @Sendable (Request) async throws -> Response
    ) {
        let lifetime = IncomingMessage.addressee(of: bytes).map { RequestLifetime(connectionID: $0.connectionID, sender: $0.sender) }
        state.withLock { state in
            state.nextSerial += 1
            let serial = state.nextSerial
            let task = Task {
                await self.serve(bytes, serial: serial, requestID: requestID, lifetime: lifetime, webSocket: webSocket, respond: respond)
            }
            if state.cancelling { task.cancel() }
            state.inFlight[serial] = InFlightRequest(task: task, lifetime: lifetime)
        }
    }

    /// Decodes one request, runs the responder, and sends the reply.
    private func serve(
        _ bytes: [UInt8],
        serial: UInt64,
        requestID: UInt64?,
        lifetime: RequestLifetime?,
        webSocket: WebSocketRoute?,
        respond: @Sendable (Request) async throws -> Response
    ) async {
        var request: Request
        do {
            request = Request(try WireRequest.decode(bytes))
        } catch {
            // Answer at once when we can tell whom to answer, rather than leave the client to the reply timeout.
            let last = lifetime.map { Self.errorReply(400, to: $0.connectionID, sender: $0.sender) }
            logger.warning(
                "malformed request", metadata: ["error": "\(error)", "bytes": "\(bytes.count)", "answered": "\(last != nil)"])
            finish(serial, requestID: requestID, last: last)
            return
        }
        // A large body comes as Mongrel2 sends it: first a notice that it is being written to a file (answered
        // by nobody), then the request, whose body is that file. The responder sees one request with its body.
        // Headers that do not name one of the gateway's temp files are refused: they were forged.
        if let start = request.headers["x-mongrel2-upload-start"] {
            do {
                if let done = request.headers["x-mongrel2-upload-done"] {
                    request.body = try UploadedBody.read(start: start, done: done, directory: settings.uploadDirectory)
                } else {
                    _ = try UploadedBody.fileName(of: start, in: settings.uploadDirectory)
                    finish(serial, requestID: requestID, last: nil)
                    return
                }
            } catch {
                logger.error(
                    "refusing a request's upload headers; answering 400",
                    metadata: ["path": "\(start)", "connection": "\(request.connectionID)", "reason": "\(error)"])
                finish(serial, requestID: requestID, last: Self.errorReply(400, to: request.connectionID, sender: request.sender))
                return
            }
        }
        logger.debug(
            "took request",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "connection": "\(request.connectionID)"])
        // Only a request whose front could not be read lacks one; it then misses disconnect notices.
        let lifetime = lifetime ?? RequestLifetime(connectionID: request.connectionID, sender: request.sender)

        var response: Response
        switch webSocket.map({ (request.method, $0) }) {
        case (WebSocketUpgrade.handshakeMethod, let route)?:
            guard let refusal = await upgrade(request, serial: serial, requestID: requestID, route: route) else { return }
            response = refusal
        case (WebSocketUpgrade.messageMethod, _)?:
            answerWithoutSession(request, serial: serial, requestID: requestID)
            return
        default:
            do {
                response = try await respond(request)
            } catch {
                response = errorResponse(for: error, request: request)
            }
        }
        if lifetime.isDisconnected {
            finish(serial, requestID: requestID, last: nil)
            return
        }

        var last: [UInt8]?
        switch response.disposition {
        case .none:
            last = nil
        case .close:
            last = Self.wireReply([], to: [request.connectionID], sender: request.sender)
        case .respond:
            switch response.body.storage {
            case .bytes(let body):
                last = Self.replyMessage(
                    response, body: body, head: request.isHead, to: [request.connectionID], sender: request.sender)
            case .stream(let write):
                last = await streamBody(response, write: write, head: request.isHead, lifetime: lifetime).last
            }
        }
        logger.debug(
            "answered",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "connection": "\(request.connectionID)",
                "status": "\(response.disposition == .respond ? String(response.status) : "\(response.disposition)")",
            ])
        finish(serial, requestID: requestID, last: last)
    }

    /// A whole reply message carrying the library's error page for `status`.
    static func errorReply(_ status: Int, to connectionID: UInt64, sender: String) -> [UInt8] {
        let response = HTTPError(status).response
        return replyMessage(response, body: response.body.bytes ?? [], head: false, to: [connectionID], sender: sender)
    }

    /// Sends a request's last message, if any, and frees its place.
    func finish(_ serial: UInt64, requestID: UInt64?, last: [UInt8]?) {
        finishMessage(requestID, replies: last.map { [$0] } ?? [])
        release(serial)
    }

    /// Sends `replies` in order, the last one finishing the gateway's message `requestID` (nil in push mode),
    /// and frees its place with the transport.
    func finishMessage(_ requestID: UInt64?, replies: [[UInt8]]) {
        let transport = self.transport
        // One hand-off for all, so the place frees only after the replies are queued.
        try? execute { loop in
            for reply in replies.dropLast() { transport.value.send(reply) }
            transport.value.finish(requestID: requestID, last: replies.last, loop: loop)
        }
    }

    /// Forgets a task in hand; the drain waits for none once the last has gone.
    func release(_ serial: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inFlight[serial] = nil
            guard state.inFlight.isEmpty else { return nil }
            defer { state.drainWaiter = nil }
            return state.drainWaiter
        }
        waiter?.resume()
    }

    func errorResponse(for error: any Error, request: Request) -> Response {
        let metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(request.path)", "connection": "\(request.connectionID)",
            "error": "\(error)",
        ]
        if let error = error as? HTTPError {
            logger.debug("responder refused the request", metadata: metadata)
            return error.response
        }
        if error is CancellationError, state.withLock({ $0.cancelling }) {
            logger.debug("request cancelled while stopping", metadata: metadata)
            return HTTPError(503).response
        }
        logger.error("responder failed; answering 500", metadata: metadata)
        return HTTPError(500).response
    }

    // MARK: - Events

    private func handleEvent(_ bytes: [UInt8], onDisconnect: (@Sendable (UInt64) -> Void)?) {
        let event: DecodedRequest
        do {
            event = try WireRequest.decode(bytes)
        } catch {
            logger.warning("dropping a malformed event", metadata: ["error": "\(error)", "bytes": "\(bytes.count)"])
            return
        }
        guard event.isDisconnect else {
            logger.debug("ignoring an event", metadata: ["connection": "\(event.connectionID)", "body": "\(event.body.count) bytes"])
            return
        }
        let (cancelled, socket) = state.withLock { state in
            var tasks: [Task<Void, Never>] = []
            for entry in state.inFlight.values {
                guard let lifetime = entry.lifetime, lifetime.connectionID == event.connectionID,
                    lifetime.sender == event.sender
                else { continue }
                lifetime.markDisconnected()
                tasks.append(entry.task)
            }
            return (tasks, state.webSocketSessions[WebSocketKey(sender: event.sender, connectionID: event.connectionID)])
        }
        for task in cancelled { task.cancel() }
        socket?.clientLeft()
        logger.debug("client disconnected", metadata: ["connection": "\(event.connectionID)", "cancelled": "\(cancelled.count)"])
        onDisconnect?(event.connectionID)
    }
}
