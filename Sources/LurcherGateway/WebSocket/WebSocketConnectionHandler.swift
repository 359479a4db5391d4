import Logging
import NIOCore

/// The NIO glue around one open WebSocket's ``WebSocketConnection``: HTTP/1's glue puts it in the pipeline in its
/// own place when a handler answers a handshake with 101, and it serves the connection until it closes.
///
/// It feeds the connection the client's bytes, the dispatcher's events and the timer, and carries out the actions
/// it returns; the rules are all in ``WebSocketConnection``.
final class WebSocketConnectionHandler: ChannelDuplexHandler, DispatcherEventReceiver, DeadlineTimed {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let connectionID: UInt64
    private let remoteAddress: String
    private let environment: GatewayEnvironment
    private let mailbox: ConnectionMailbox
    private let record: ConnectionRecord
    private let handler: Int
    private var connection: WebSocketConnection
    private var context: ChannelHandlerContext?
    /// What HTTP/1 had of the client's frames and the handler's, to be fed once the handler is in place.
    private var pendingInput: ByteBuffer?
    private var pendingFrames: ByteBuffer?
    var timer: Scheduled<Void>?
    private var performing = false

    /// - Parameters:
    ///   - input: what the client sent after its handshake, read by HTTP/1 and not parsed.
    ///   - record: the connection's figures for the control port, which HTTP/1 kept until now.
    ///   - frames: what the handler sent after its 101 in the same reply.
    init(
        connectionID: UInt64, remoteAddress: String, environment: GatewayEnvironment, mailbox: ConnectionMailbox,
        record: ConnectionRecord, handOver: WebSocketHandOver, input: ByteBuffer?, frames: ByteBuffer?
    ) {
        self.record = record
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.environment = environment
        self.mailbox = mailbox
        handler = handOver.messages.handler
        pendingInput = input
        pendingFrames = frames
        connection = WebSocketConnection(
            handOver: handOver, timeouts: environment.timeouts,
            maxMessageBytes: environment.limits.maxWebSocketMessageBytes,
            handlerFinishesMessages: environment.handlerIdentities[handler].finishesWebSocketMessages)
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        mailbox.receiver = self
        record.serving(.webSocket, now: now)
        environment.counters.openWebSockets.add(1, ordering: .relaxed)
        environment.dispatcher.webSocketOpened(connectionID: connectionID, handler: handler)
    }

    /// Starts serving, once HTTP/1's handler has left the pipeline: until then a read would reach it, and it
    /// defers every read after a handshake.
    func begin() {
        guard let context else { return }
        connection.opened(input: pendingInput.take(), now: now)
        if let frames = pendingFrames.take() { connection.handlerSent(frames, now: now) }
        perform()
        if connection.readRequested() { context.read() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        environment.counters.openWebSockets.subtract(1, ordering: .relaxed)
        environment.connections.closed(id: connectionID)
        connection.closed(now: now)
        perform()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        // Every frame keeps a WebSocket alive, as each pass of Mongrel2's state machine pings the connection.
        record.read(bytes.readableBytes, now: now)
        record.ping(now: now)
        connection.received(bytes, now: now)
        perform()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            connection.inputEnded(now: now)
            perform()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if connection.readRequested() { context.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        environment.logger.debug("connection error", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        context.close(promise: nil)
    }

    func dispatcherEvent(_ event: DispatcherEvent) {
        guard context != nil else { return }
        let now = self.now
        switch event {
        case .reply(let frames):
            environment.counters.webSocketFramesSent.add(1, ordering: .relaxed)
            connection.handlerSent(frames, now: now)
        case .close: connection.handlerClosed(now: now)
        case .dispatched(let token): connection.taken(token: token, now: now)
        case .held(let token): connection.held(token: token)
        case .unavailable(let token): connection.unavailable(token: token, now: now)
        case .handlerLost(let token): connection.handlerLost(token: token, now: now)
        case .webSocketHolderGone(let stopped): connection.holderGone(stopped: stopped, now: now)
        case .gatewayStopping: connection.gatewayStopping(now: now)
        case .keepAlive:
            record.ping(now: now)
            connection.keptAlive(now: now)
        case .cancel: connection.cancelled()
        // A WebSocket streams no upload; Mongrel2 too lets such credits lie unused.
        case .credits: break
        case .creditsOverdrawn: connection.creditsOverdrawn()
        case .whenWritten(let receipt): context?.returnCredits(receipt, connectionID: connectionID, to: environment.dispatcher)
        }
        perform()
    }

    // MARK: - Actions

    private func perform() {
        guard !performing, let context else { return }
        performing = true
        defer { performing = false }
        while carryOutActions(context: context) {
            context.flush()
            if !context.channel.isWritable, let buffered = context.bufferedWritableBytes {
                connection.outputBuffered(buffered)
            }
        }
    }

    /// Carries out the actions queued so far; returns whether any wrote.
    private func carryOutActions(context: ChannelHandlerContext) -> Bool {
        var wrote = false
        while let action = connection.nextAction() {
            switch action {
            case .write(let bytes):
                record.wrote(bytes.readableBytes, now: now)
                context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: nil)
                wrote = true
            case .forward(let message, let token):
                environment.counters.webSocketMessagesReceived.add(1, ordering: .relaxed)
                environment.dispatcher.submitWebSocketMessage(
                    handler: handler, connectionID: connectionID, token: token, message: message)
            case .read: context.read()
            case .closeAfterWrites: context.closeAfterWrites()
            case .closeOutputAfterWrites: context.closeAfterWrites(mode: .output)
            case .closeNow: context.close(promise: nil)
            case .scheduleWake(let time): scheduleTimer(at: time, context: context)
            case .report(let exchange, let now):
                environment.operations?.requestCompleted(
                    exchange.completed(connectionID: connectionID, remoteAddress: remoteAddress, now: now))
            case .notice(let notice):
                notice.report(connectionID: connectionID, logger: environment.logger, counters: environment.counters)
            case .closed(let handlers, let notify):
                environment.dispatcher.connectionClosed(connectionID: connectionID, notifying: handlers, tellHandlers: notify)
            }
        }
        return wrote
    }

    // MARK: - Timer

    private var now: Duration { context?.connectionNow ?? .zero }

    func timerFired() {
        timer = nil
        guard let context else { return }
        connection.wake(now: now) { context.bufferedWritableBytes }
        perform()
    }
}
