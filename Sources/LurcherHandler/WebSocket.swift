import Synchronization

/// One open WebSocket, as a session closure gets it from
/// ``HandlerConnection/run(webSocket:shouldUpgrade:onDisconnect:_:)``.
///
/// ```swift
/// for try await message in socket.messages { try await socket.send(message) }
/// ```
///
/// The library has already answered the handshake, and answers pings and the client's close itself. When the
/// session closure returns, it closes with 1000 (1011 when it threw, 1001 when it was cancelled). Equal sockets
/// are the same connection, so a set of them is a room to ``HandlerConnection/broadcast(_:to:fragmentSize:)`` to.
public final class WebSocket: Sendable, Hashable {
    /// The gateway's id for the client connection.
    public let connectionID: UInt64
    /// The subprotocol chosen by ``WebSocketUpgrade/accept(subprotocols:)``; nil for none.
    public let subprotocol: String?
    /// The gateway's identity that replies start with (the handshake's ``Request/sender``).
    let sender: String
    private let connection: HandlerConnection
    private let inner = Mutex(Inner())

    /// A message taken from the gateway and not yet from ``messages``, with the id that finishes it.
    struct Delivery: Sendable {
        var message: WebSocketMessage
        var requestID: UInt64?
    }

    private struct Inner: Sendable {
        var protocolState = WebSocketSessionState()
        var inbox: [Delivery] = []
        var waiter: CheckedContinuation<Delivery?, Never>?
    }

    init(connection: HandlerConnection, connectionID: UInt64, sender: String, subprotocol: String?) {
        self.connection = connection
        self.connectionID = connectionID
        self.sender = sender
        self.subprotocol = subprotocol
    }

    /// The client's messages, in order; the sequence ends when the WebSocket closes, from either side, or the
    /// client goes away. Iterate it from one task at a time.
    ///
    /// Each message is finished with the gateway when it is taken from here, not when it arrives: in broker mode
    /// the gateway reads the client no faster, so a slow session slows its client rather than filling memory. In
    /// push mode a message not yet taken holds one of ``HandlerSettings/maxConcurrentRequests``.
    public var messages: WebSocketMessages { WebSocketMessages(socket: self) }

    /// Whether messages can still be sent: false once either side has closed or the client has gone.
    public var isOpen: Bool { inner.withLock { $0.protocolState.isOpen } }

    /// Sends a text or binary message and returns once it is handed to ZeroMQ.
    ///
    /// - Parameter fragmentSize: split the message into frames of at most this many payload bytes (a first
    ///   frame and continuation frames); nil sends one frame.
    /// - Throws: ``HandlerError`` `webSocketClosed` once the WebSocket has closed, `closed` after the handler
    ///   connection has shut down.
    public func send(_ message: WebSocketMessage, fragmentSize: Int? = nil) async throws(HandlerError) {
        guard isOpen else { throw .webSocketClosed(connectionID) }
        try await connection.handOff(
            HandlerConnection.wireReply(WebSocketFrame.message(message, fragmentSize: fragmentSize), to: [connectionID], sender: sender))
    }

    /// Closes the WebSocket: sends a close frame with `code` and `reason` (cut to the 123 bytes a close frame has
    /// room for), then has the gateway close the connection. ``messages`` ends; messages not yet taken from it
    /// are dropped. Does nothing once closed.
    public func close(_ code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        let (actions, undelivered, waiter) = inner.withLock { inner in
            (inner.protocolState.close(code, reason: reason), inner.inbox.take(), inner.waiter.take())
        }
        waiter?.resume(returning: nil)
        connection.sendReplies(wire(actions))
        for delivery in undelivered { connection.finishMessage(delivery.requestID, replies: []) }
    }

    public static func == (left: WebSocket, right: WebSocket) -> Bool { left === right }

    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    // MARK: - From the run loop

    /// One `WEBSOCKET` message for this connection, in the order the gateway sent them: queued for ``messages``
    /// (finished when taken), or answered and finished at once.
    func receive(flags: String?, payload: [UInt8], requestID: UInt64?) {
        let (actions, handed) = inner.withLock { inner -> ([WebSocketSessionState.Action], (CheckedContinuation<Delivery?, Never>, Delivery)?) in
            let actions = inner.protocolState.receive(flags: flags, payload: payload)
            for case .deliver(let message) in actions {
                let delivery = Delivery(message: message, requestID: requestID)
                if let waiter = inner.waiter.take() { return (actions, (waiter, delivery)) }
                inner.inbox.append(delivery)
            }
            return (actions, nil)
        }
        if let (waiter, delivery) = handed { waiter.resume(returning: delivery) }
        if actions.contains(where: \.isDelivery) { return }
        connection.finishMessage(requestID, replies: wire(actions))
        if !isOpen { endMessages() }
    }

    /// The gateway said the client went away: ``messages`` ends once what was queued has been taken.
    func clientLeft() {
        inner.withLock { $0.protocolState.clientLeft() }
        endMessages()
    }

    /// Ends a wait for a message that will not come (the queue is empty whenever a wait is set).
    private func endMessages() {
        inner.withLock { $0.waiter.take() }?.resume(returning: nil)
    }

    /// The next message for ``messages``: waits for one, and finishes it with the gateway. Nil once closed.
    func nextMessage() async throws(CancellationError) -> WebSocketMessage? {
        let delivery = await withTaskCancellationHandler {
            await withCheckedContinuation { (next: CheckedContinuation<Delivery?, Never>) in
                let ready = inner.withLock { inner -> Delivery?? in
                    if !inner.inbox.isEmpty { return inner.inbox.removeFirst() }
                    // Closed, cancelled, or another task already waiting: nothing will come to this wait.
                    if !inner.protocolState.isOpen || Task.isCancelled || inner.waiter != nil { return .some(nil) }
                    inner.waiter = next
                    return nil
                }
                if let ready { next.resume(returning: ready) }
            }
        } onCancel: {
            endMessages()
        }
        guard let delivery else {
            if Task.isCancelled { throw CancellationError() }
            return nil
        }
        connection.finishMessage(delivery.requestID, replies: [])
        return delivery.message
    }

    /// The reply messages that carry `actions` to this connection.
    private func wire(_ actions: [WebSocketSessionState.Action]) -> [[UInt8]] {
        actions.compactMap { action in
            switch action {
            case .deliver: nil
            case .send(let frames): HandlerConnection.wireReply(frames, to: [connectionID], sender: sender)
            case .closeConnection: HandlerConnection.wireReply([], to: [connectionID], sender: sender)
            }
        }
    }
}

extension WebSocketSessionState.Action {
    fileprivate var isDelivery: Bool {
        if case .deliver = self { true } else { false }
    }
}

extension Array {
    /// Empties the array and returns what it held.
    fileprivate mutating func take() -> Self {
        defer { self = [] }
        return self
    }
}
