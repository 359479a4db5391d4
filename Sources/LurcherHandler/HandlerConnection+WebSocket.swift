internal import LurcherProtocol

extension HandlerConnection {
    /// What a process does with WebSockets: the handshake check and the session.
    struct WebSocketRoute: Sendable {
        var session: @Sendable (_ request: Request, _ socket: WebSocket) async throws -> Void
        var shouldUpgrade: (@Sendable (_ request: Request) async throws -> WebSocketUpgrade)?
    }

    /// An open WebSocket's address: a connection id is the gateway's, and several gateways may share a handler.
    struct WebSocketKey: Hashable, Sendable {
        var sender: String
        var connectionID: UInt64
    }

    /// Takes WebSockets, each run by `webSocket` until it returns, beside ordinary requests answered by `respond`.
    ///
    /// ```swift
    /// try await connection.run(webSocket: { request, socket in
    ///     for try await message in socket.messages { try await socket.send(message) }
    /// }) { request in
    ///     Response(text: "Hello\n")
    /// }
    /// ```
    ///
    /// The gateway forwards a handshake as a `WEBSOCKET_HANDSHAKE` request; `shouldUpgrade` decides on it, and the
    /// library writes the 101 (or the refusal) itself, then gives the session the handshake request and the socket.
    /// It answers pings and the client's close, and closes with 1000 when `webSocket` returns (1011 when it
    /// throws). A handshake does not hold one of ``HandlerSettings/maxConcurrentRequests`` once answered.
    ///
    /// On SIGTERM or ``shutdown()`` the open WebSockets keep running, and the process keeps taking their
    /// messages (and any request the gateway still sends it), until they have all closed or
    /// ``HandlerSettings/drainTimeout`` has passed, when they are closed with 1012 (restarting); new handshakes are refused
    /// with 503. Then it stops as ``run(onDisconnect:_:)`` does.
    ///
    /// The same code runs in push and broker mode. In push mode the gateway spreads a WebSocket's messages over
    /// every process of the handler, so run a single process; broker mode sends them all to the process that
    /// took the handshake. A message for a WebSocket this process does not hold has its ping or close answered
    /// and its data dropped.
    ///
    /// - Parameters:
    ///   - webSocket: runs one accepted WebSocket.
    ///   - shouldUpgrade: accepts or refuses each handshake, with a ``WebSocketUpgrade`` or by throwing an
    ///     ``HTTPError``; nil accepts every one, with no subprotocol.
    ///   - onDisconnect: called with the connection id when the gateway says a client went away, a
    ///     WebSocket's client included.
    ///   - respond: makes the response to one ordinary request.
    /// - Throws: ``HandlerError`` `alreadyRunning` when called a second time.
    public func run(
        webSocket: @escaping @Sendable (_ request: Request, _ socket: WebSocket) async throws -> Void,
        shouldUpgrade: (@Sendable (_ request: Request) async throws -> WebSocketUpgrade)? = nil,
        onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)? = nil,
        _ respond: @escaping @Sendable (Request) async throws -> Response
    ) async throws {
        try await run(
            HandlerService(
                connection: self, webSocket: webSocket, shouldUpgrade: shouldUpgrade, onDisconnect: onDisconnect,
                respond: respond))
    }

    /// Takes only WebSockets, each run by `webSocket` until it returns; an ordinary request is answered
    /// 426 Upgrade Required. See ``run(webSocket:shouldUpgrade:onDisconnect:_:)``.
    public func run(webSocket: @escaping @Sendable (_ request: Request, _ socket: WebSocket) async throws -> Void) async throws {
        try await run(webSocket: webSocket) { _ in
            throw HTTPError(426, headers: ["Upgrade": "websocket", "Connection": "Upgrade"])
        }
    }

    // MARK: - From the run loop

    /// The open WebSocket that `message` is for, read from its front without decoding it.
    func openWebSocket(addressing message: [UInt8]) -> WebSocket? {
        guard let addressee = IncomingMessage.addressee(of: message) else { return nil }
        let key = WebSocketKey(sender: addressee.sender, connectionID: addressee.connectionID)
        return state.withLock { $0.webSocketSessions[key] }
    }

    /// Hands a message to its WebSocket on the run loop's own task, so messages keep the gateway's order.
    func deliver(_ bytes: [UInt8], requestID: UInt64?, to socket: WebSocket) {
        do {
            let message = try WireRequest.decode(bytes)
            socket.receive(flags: message[header: "FLAGS"], payload: message.body, requestID: requestID)
        } catch {
            logger.warning("dropping a malformed WebSocket message", metadata: ["error": "\(error)", "bytes": "\(bytes.count)"])
            finishMessage(requestID, replies: [])
        }
    }

    /// Answers a handshake and runs its session. Returns the refusal to send instead, or nil once the session
    /// has ended and the request has been released.
    func upgrade(_ request: Request, serial: UInt64, requestID: UInt64?, route: WebSocketRoute) async -> Response? {
        let subprotocols: [String]
        do {
            switch try await route.shouldUpgrade?(request).decision ?? .accept(subprotocols: []) {
            case .accept(let supported): subprotocols = supported
            case .reject(let response): return response
            }
        } catch {
            return errorResponse(for: error, request: request)
        }
        let subprotocol = WebSocketUpgrade.subprotocol(for: request, among: subprotocols)
        guard let head = WebSocketUpgrade.switchingProtocols(accept: request.body, subprotocol: subprotocol) else {
            logger.warning("a WebSocket handshake without a valid accept value; answering 400", metadata: ["connection": "\(request.connectionID)"])
            return HTTPError(400).response
        }
        let key = WebSocketKey(sender: request.sender, connectionID: request.connectionID)
        let socket = WebSocket(connection: self, connectionID: request.connectionID, sender: request.sender, subprotocol: subprotocol)
        let opened = state.withLock { state in
            guard state.stopReason == nil else { return false }
            // Before the 101 leaves, so the client's first message finds it. A disconnect ends its messages;
            // it does not cancel the session's task, which then has its turn to clean up.
            state.webSocketSessions[key] = socket
            state.inFlight[serial]?.lifetime = nil
            return true
        }
        guard opened else { return HTTPError(503, headers: ["Retry-After": "1"]).response }
        // Finishing the handshake frees its place; the task stays in hand, so a drain waits for the session.
        finishMessage(requestID, replies: [Self.wireReply(head, to: [request.connectionID], sender: request.sender)])
        logger.debug("WebSocket opened", metadata: ["connection": "\(request.connectionID)", "subprotocol": "\(subprotocol ?? "")"])

        var code = WebSocketCloseCode.normalClosure
        do {
            try await route.session(request, socket)
        } catch is CancellationError {
            code = .goingAway
        } catch {
            logger.error("WebSocket session failed; closing with 1011", metadata: ["connection": "\(request.connectionID)", "error": "\(error)"])
            code = .internalError
        }
        socket.close(code)
        closeWebSocket(key)
        logger.debug("WebSocket closed", metadata: ["connection": "\(request.connectionID)", "code": "\(code.rawValue)"])
        release(serial)
        return nil
    }

    /// A `WEBSOCKET` message for a connection with no session here: answers its ping or close as a session
    /// would, so the client is not left waiting, and drops its data.
    func answerWithoutSession(_ request: Request, serial: UInt64, requestID: UInt64?) {
        var session = WebSocketSessionState()
        let actions = session.receive(flags: request.headers["FLAGS"], payload: request.body)
        var replies: [[UInt8]] = []
        for action in actions {
            switch action {
            case .deliver:
                logger.warning(
                    "dropping a WebSocket message for a connection this process holds no session for (in push mode, run one process)",
                    metadata: ["connection": "\(request.connectionID)"])
            case .send(let frames): replies.append(Self.wireReply(frames, to: [request.connectionID], sender: request.sender))
            case .closeConnection: replies.append(Self.wireReply([], to: [request.connectionID], sender: request.sender))
            }
        }
        finishMessage(requestID, replies: replies)
        release(serial)
    }

    // MARK: - Sending and stopping

    /// Hands reply messages to the loop thread, in order, without waiting.
    func sendReplies(_ replies: [[UInt8]]) {
        guard !replies.isEmpty else { return }
        let transport = self.transport
        try? execute { _ in for reply in replies { transport.value.send(reply) } }
    }

    /// Forgets a session whose closure has returned; the last one to go lets a waiting stop go on.
    private func closeWebSocket(_ key: WebSocketKey) {
        state.withLock { state in
            state.webSocketSessions[key] = nil
            if state.webSocketSessions.isEmpty, state.stopReason != nil, state.phase == .running { stopReceiving(&state) }
        }
    }

    /// A stop with WebSockets open: after the drain timeout, closes them with 1012 (restarting: reconnect) and
    /// stops taking messages.
    func waitForWebSockets() {
        let count = state.withLock { $0.webSocketSessions.count }
        logger.info("waiting for the open WebSockets to close", metadata: ["count": "\(count)"])
        guard let timeout = settings.drainTimeout else { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled, let self else { return }
            let sockets = state.withLock { state in
                if state.phase == .running { stopReceiving(&state) }
                return Array(state.webSocketSessions.values)
            }
            if !sockets.isEmpty { logger.info("closing the WebSockets still open", metadata: ["count": "\(sockets.count)"]) }
            for socket in sockets { socket.close(.serviceRestart) }
        }
        state.withLock { $0.deadlineTimers.append(timer) }
    }
}
