import LurcherConfiguration
import NIOCore

/// One open WebSocket's rules, with no channel in it: told what came from the client and the handler, and when,
/// it queues ``Action``s for its glue, ``WebSocketConnectionHandler``.
///
/// As in Mongrel2, the gateway frames nothing of a handler's: every complete client message goes to the handler
/// (``WebSocketMessageEncoder``), and the handler's replies are raw server frames written as they are. The gateway
/// writes a frame of its own only to end a WebSocket on its own account: a client's protocol violation, a long
/// idle, or the handler process going.
///
/// **Back-pressure and memory.** In broker mode a message is read from the client's input only while fewer than
/// ``maxUntakenMessages`` messages, and fewer than ``maxUntakenBytes`` bytes, have gone to the handler without
/// its process finishing them; in push mode, only while none waits in the dispatcher for a handler to take it
/// (the socket takes messages at once, and the dispatcher says when one must wait). Reads from the socket wait
/// meanwhile. So one WebSocket holds at most: the reader's bound (`max_websocket_message_bytes` + 139), one
/// socket read of input, and in broker mode `maxUntakenBytes` plus one message in the dispatcher. Output to a client that does not read is bounded by `timeouts.write`, as for HTTP, and by
/// ``maxUnsentBytes``.
struct WebSocketConnection {
    typealias Instant = ConnectionDeadlines.Instant

    /// How many messages may wait for the handler side to take them before the client is read no further.
    static let maxUntakenMessages = 16
    /// How many payload bytes may wait so; one message is always let through, whatever its size.
    static let maxUntakenBytes = 1 << 20
    /// Output not yet taken by the kernel past which a client that reads too slowly for its handler is closed.
    static let maxUnsentBytes = 64 << 20
    /// How long, after the gateway's own close frame, the client's input is read and dropped while it closes its
    /// side (nginx's lingering close): closing with its frames still arriving would make the kernel reset the
    /// connection, which can destroy the close frame before the client reads it.
    static let lingerTimeout: Duration = .seconds(2)

    enum Action {
        /// Write to the client; what one event writes is flushed together.
        case write(ByteBuffer)
        /// Send this encoded message to the handler, under `token`.
        case forward([UInt8], token: UInt64)
        /// Issue the read the channel asked for and the connection deferred.
        case read
        /// Close once everything written has gone out.
        case closeAfterWrites
        /// Close the sending side once everything written has gone out, and go on reading (to drop it).
        case closeOutputAfterWrites
        /// Close now, dropping what is queued.
        case closeNow
        /// Make ``WebSocketConnection/wake(now:bufferedBytes:)`` run at this time.
        case scheduleWake(at: Instant)
        /// The WebSocket is over: report its handshake's exchange (status 101, the whole duration and bytes).
        case report(Exchange, at: Instant)
        /// Something an operator may want to know happened.
        case notice(Notice)
        /// The connection has closed. `handlers` had its requests; they hear that the client is gone unless the
        /// handler itself asked for the close (as in Mongrel2).
        case closed(handlers: [Int], notify: Bool)
    }

    /// What the glue logs and counts.
    enum Notice: Equatable {
        /// The client broke the protocol; the WebSocket closes with this code.
        case violation(WebSocketViolation)
        case idle
        case clientTooSlowToRead
        /// The handler side went away or could not be reached; the WebSocket closes with this code.
        case handlerGone(WebSocketCloseCode)
    }

    private let timeouts: Timeouts
    private let messages: WebSocketMessageEncoder
    private let handlers: [Int]
    private var reader: WebSocketFrameReader
    /// Client bytes not yet read into messages, because the handler side has enough untaken.
    private var input = ByteBuffer()
    /// Broker mode: messages sent to the handler and not yet finished, oldest first, with their payload sizes.
    private var untaken: [(token: UInt64, bytes: Int)] = []
    private var untakenBytes = 0
    /// Push mode: messages waiting in the dispatcher for a handler.
    private var held: [UInt64] = []
    private let handlerFinishesMessages: Bool
    private var lastToken: UInt64
    private var exchange: Exchange?
    private var deadlines = ConnectionDeadlines()
    private var writeProgress = WriteProgress()
    private var readDeferred = false
    private(set) var closing = false
    /// The gateway sent its own close frame and shut its side: input is read and dropped until the client closes.
    private var lingering = false
    /// The handler asked for the close, so it is not told the client has gone.
    private var closedByHandler = false
    private var actions = ActionQueue<Action>()

    /// - Parameter handlerFinishesMessages: the handler's processes finish each message (broker mode), and the
    ///   dispatcher says so; otherwise it says only when a message has to wait.
    init(handOver: WebSocketHandOver, timeouts: Timeouts, maxMessageBytes: Int, handlerFinishesMessages: Bool) {
        self.timeouts = timeouts
        self.handlerFinishesMessages = handlerFinishesMessages
        messages = handOver.messages
        handlers = handOver.handlers
        exchange = handOver.exchange
        lastToken = handOver.lastToken
        reader = WebSocketFrameReader(maxMessageBytes: maxMessageBytes)
    }

    /// The next thing to do, or nil when everything asked so far is done.
    mutating func nextAction() -> Action? { actions.next() }

    private mutating func act(_ action: Action) { actions.append(action) }

    // MARK: - Client

    /// The WebSocket is open; `input` is what the client sent after its handshake, if anything.
    mutating func opened(input: ByteBuffer?, now: Instant) {
        setDeadline(.idle, in: timeouts.webSocketIdle, now: now)
        if let input { received(input, now: now) }
    }

    /// Bytes from the client.
    mutating func received(_ bytes: ByteBuffer, now: Instant) {
        guard !closing else { return }
        var bytes = bytes
        input.writeBuffer(&bytes)
        setDeadline(.idle, in: timeouts.webSocketIdle, now: now)
        readMessages(now: now)
    }

    /// The channel asks for more input; returns whether to read now.
    mutating func readRequested() -> Bool {
        if lingering { return true }
        guard !closing, input.readableBytes == 0, roomForMessages else {
            readDeferred = !closing
            return false
        }
        return true
    }

    /// The client closed its side without a close handshake: it has gone.
    mutating func inputEnded(now: Instant) {
        if lingering {
            lingering = false
            act(.closeNow)
            return
        }
        guard !closing else { return }
        closing = true
        act(.closeAfterWrites)
    }

    /// The connection has closed.
    mutating func closed(now: Instant) {
        closing = true
        deadlines = ConnectionDeadlines()
        if let exchange { act(.report(exchange, at: now)) }
        exchange = nil
        act(.closed(handlers: handlers, notify: !closedByHandler))
    }

    private var roomForMessages: Bool {
        held.isEmpty && untaken.count < Self.maxUntakenMessages && untakenBytes < Self.maxUntakenBytes
    }

    /// Reads messages out of the input for as long as the handler side has room for them.
    private mutating func readMessages(now: Instant) {
        while !closing, roomForMessages, input.readableBytes > 0 {
            let message: WebSocketMessage?
            do {
                message = try reader.nextMessage(from: &input)
            } catch {
                act(.notice(.violation(error)))
                end(error.code, reason: error.reason, now: now)
                return
            }
            guard let message else { break }
            lastToken += 1
            if handlerFinishesMessages {
                untaken.append((lastToken, message.payload.count))
                untakenBytes += message.payload.count
            }
            act(.forward(messages.encode(message), token: lastToken))
        }
        input.discardReadBytes()
        if readDeferred, !closing, input.readableBytes == 0, roomForMessages {
            readDeferred = false
            act(.read)
        }
    }

    // MARK: - Handler

    /// Frames a handler sent, written as they are.
    mutating func handlerSent(_ frames: ByteBuffer, now: Instant) {
        guard !closing else { return }
        exchange?.sentBody(bytes: frames.readableBytes)
        write(frames, now: now)
        setDeadline(.idle, in: timeouts.webSocketIdle, now: now)
    }

    /// The handler asked for the connection to be closed once its frames are out.
    mutating func handlerClosed(now: Instant) {
        guard !closing else { return }
        closedByHandler = true
        closing = true
        act(.closeAfterWrites)
    }

    /// A handler's `ctl keep-alive`: `websocket_idle` starts again, as Mongrel2's `Register_ping` resets the idle
    /// clock its reaper checks, so a quiet WebSocket the handler still wants is not closed.
    mutating func keptAlive(now: Instant) {
        guard !closing else { return }
        setDeadline(.idle, in: timeouts.webSocketIdle, now: now)
    }

    /// A handler's `ctl cancel` (or an extended reply nobody knows): close the socket now, with no close frame,
    /// and tell no handler, as Mongrel2 does (`Register_disconnect`).
    mutating func cancelled() {
        guard !closing else { return }
        closedByHandler = true
        closing = true
        act(.closeNow)
    }

    /// A flow-controlled handler sent more than its download credits allow: close the socket now, with no close
    /// frame, as Mongrel2 does; the handlers hear of it.
    mutating func creditsOverdrawn() {
        guard !closing else { return }
        closing = true
        act(.closeNow)
    }

    /// The handler side took the message with `token`: more of the client's may be read.
    mutating func taken(token: UInt64, now: Instant) {
        if let index = untaken.firstIndex(where: { $0.token == token }) {
            untakenBytes -= untaken.remove(at: index).bytes
        } else if let index = held.firstIndex(of: token) {
            held.remove(at: index)
        } else {
            return
        }
        readMessages(now: now)
    }

    /// The message with `token` waits for a handler (push mode): nothing more is read until it is taken.
    mutating func held(token: UInt64) {
        guard token > 0, token <= lastToken else { return }
        held.append(token)
    }

    /// Whether `token` is a message of this WebSocket the handler side has not taken.
    private func awaits(_ token: UInt64) -> Bool {
        untaken.contains { $0.token == token } || held.contains(token)
    }

    /// No handler took the message with `token` within the hold timeout.
    mutating func unavailable(token: UInt64, now: Instant) {
        guard awaits(token) else { return }
        handlerGone(.tryAgainLater, reason: "no handler available", now: now)
    }

    /// The process holding the message with `token` went away before taking it.
    mutating func handlerLost(token: UInt64, now: Instant) {
        guard awaits(token) else { return }
        handlerGone(.internalError, reason: "handler gone", now: now)
    }

    /// The process holding this WebSocket (broker mode) has gone: it stopped, or it died.
    mutating func holderGone(stopped: Bool, now: Instant) {
        handlerGone(
            stopped ? .serviceRestart : .internalError, reason: stopped ? "handler restarting" : "handler gone", now: now)
    }

    /// The gateway is stopping: the client should reconnect, to the next one.
    mutating func gatewayStopping(now: Instant) {
        guard !closing else { return }
        end(.goingAway, reason: "gateway stopping", now: now)
    }

    private mutating func handlerGone(_ code: WebSocketCloseCode, reason: String, now: Instant) {
        guard !closing else { return }
        act(.notice(.handlerGone(code)))
        end(code, reason: reason, now: now)
    }

    // MARK: - Output

    /// Sends a close frame of the gateway's own and shuts the sending side once it is out; the client's input is
    /// then dropped until it closes, or for ``lingerTimeout``.
    private mutating func end(_ code: WebSocketCloseCode, reason: String, now: Instant) {
        let frame = WebSocketFrame.close(code, reason: reason)
        exchange?.sentBody(bytes: frame.count)
        write(ByteBuffer(bytes: frame), now: now)
        closing = true
        lingering = true
        input.clear()
        act(.closeOutputAfterWrites)
        setDeadline(.idle, in: Self.lingerTimeout, now: now)
        if readDeferred {
            readDeferred = false
            act(.read)
        }
    }

    private mutating func write(_ bytes: ByteBuffer, now: Instant) {
        if deadlines[.write] == nil {
            writeProgress.deadlineStarted()
            setDeadline(.write, in: timeouts.write, now: now)
        }
        writeProgress.wrote(bytes.readableBytes)
        act(.write(bytes))
    }

    /// The channel holds `bufferedBytes` not yet taken by the kernel, having just been written to.
    mutating func outputBuffered(_ bufferedBytes: Int) {
        guard !closing, bufferedBytes > Self.maxUnsentBytes else { return }
        tooSlowToRead()
    }

    private mutating func tooSlowToRead() {
        act(.notice(.clientTooSlowToRead))
        closing = true
        act(.closeNow)
    }

    // MARK: - Deadlines

    /// The glue's timer woke.
    mutating func wake(now: Instant, bufferedBytes: () -> Int?) {
        deadlines.woke()
        while let kind = deadlines.takeExpired(at: now) {
            switch kind {
            case .idle:
                if lingering {
                    lingering = false
                    act(.closeNow)
                    break
                }
                guard !closing else { break }
                act(.notice(.idle))
                end(.goingAway, reason: "idle", now: now)
            case .write:
                switch writeProgress.check(buffered: bufferedBytes()) {
                case .drained: break
                case .reading: setDeadline(.write, in: timeouts.write, now: now)
                case .stalled: tooSlowToRead()
                }
            case .request, .reply: break
            }
        }
        if let next = deadlines.nextWake() { act(.scheduleWake(at: next)) }
    }

    private mutating func setDeadline(_ kind: ConnectionDeadlines.Kind, in timeout: Duration, now: Instant) {
        if let wake = deadlines.set(kind, at: now + timeout) { act(.scheduleWake(at: wake)) }
    }
}
