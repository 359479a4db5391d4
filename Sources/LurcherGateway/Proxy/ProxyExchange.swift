import LurcherProtocol
import NIOCore
import NIOHTTP1

/// What a proxied request tells the client connection it came from, on their shared event loop.
protocol ProxyExchangeDelegate: AnyObject {
    /// A part of the backend's response, framed for the client.
    func proxyReplied(_ part: ReplyPart<ByteBuffer>)
    /// The backend let the request's body go on: this many more bytes may be read from the client.
    func proxyGranted(credits: Int)
    /// No response can come: answer `status` if nothing was sent yet, and close the client connection either way.
    func proxyFailed(_ status: HTTPStatus)
    /// The client's reads wait on the client, not on the backend (true), or on the backend again (false).
    func proxyAwaitsClient(_ waiting: Bool)
    /// The backend switched protocols: pass on its 101, `head`, then splice the client to `connection`.
    func proxySwitchedProtocols(to connection: BackendConnection, head: ReplyPart<ByteBuffer>)
}

/// One request on a proxy route, from taking a backend connection to giving it back: it writes the request (its
/// body as the client's connection reads it, no faster than the backend takes it) and relays the response, reading
/// the backend no faster than the client takes it. Nothing is buffered whole, in memory or on disk.
///
/// Every failure is answered: a backend that cannot be reached or sends no usable head is 502 (a stale kept-alive
/// connection is retried once on a new one when the request has no body); one that breaks off after the head
/// closes the client's connection. The reply deadline (504) is the client connection's.
final class ProxyExchange: BackendConnectionUser {
    /// A window of request body bytes the backend may have unwritten, on top of what each write returns.
    static let uploadWindow = 64 * 1024
    /// The most body bytes read from the client at once for a proxied request.
    static let uploadPieceLimit = 64 * 1024

    private let request: ProxyRequest
    private let clientKeepAlive: Bool
    private let pool: BackendPool
    private let clientChannel: any Channel
    private weak var delegate: (any ProxyExchangeDelegate)?

    private enum State {
        case connecting
        /// The head is written; the response has not begun.
        case sent
        case receiving(ProxyResponseHead)
        /// A 101 to the client's upgrade: the splice waits for the codec's end of it, which comes next.
        case switching(ProxyResponseHead)
        case done
    }

    private var state = State.connecting
    private var connection: BackendConnection?
    private var reused = false
    private var retried = false
    /// Body the client sent before the connection was ready, in order; `bodyEnded` once its last byte is here.
    private var queuedBody: [ByteBuffer] = []
    private var bodyEnded = false
    private var bodySent = false
    private var pausedForClient = false

    init(
        request: ProxyRequest, clientKeepAlive: Bool, pool: BackendPool, clientChannel: any Channel,
        delegate: any ProxyExchangeDelegate
    ) {
        self.request = request
        self.clientKeepAlive = clientKeepAlive
        self.pool = pool
        self.clientChannel = clientChannel
        self.delegate = delegate
    }

    // MARK: - From the client's connection

    /// Takes a connection and sends the head, with `body`, the body read with it; `isLast` when that is all of it.
    func start(body: [UInt8], isLast: Bool) {
        request.backend.counters.requests.add(1, ordering: .relaxed)
        enqueue(body, isLast: isLast)
        connect()
    }

    /// More of the request's body, as the client's connection reads it.
    func sendBody(_ body: [UInt8], isLast: Bool) {
        guard !isOver else { return }
        enqueue(body, isLast: isLast)
        if case .connecting = state { return }
        flushBody()
    }

    /// The client's output drained below the low water mark, or rose above the high one.
    func clientWritabilityChanged() {
        guard case .receiving = state else { return }
        if clientChannel.isWritable, pausedForClient {
            pausedForClient = false
            delegate?.proxyAwaitsClient(false)
            connection?.handler.resumeReads()
        }
    }

    /// The client's connection is done with this request without its whole response (it closed, or gave up at
    /// the reply deadline): the backend connection cannot carry another request, so it is closed.
    func abandon() {
        guard !isOver else { return }
        state = .done
        connection?.handler.user = nil
        connection?.close()
        connection = nil
    }

    /// The reply deadline passed, which the client connection answered 504 (if it could): counted, then abandoned.
    func timedOut() {
        guard !isOver else { return }
        request.backend.counters.timedOut.add(1, ordering: .relaxed)
        abandon()
    }

    private var isOver: Bool {
        if case .done = state { return true }
        return false
    }

    // MARK: - The backend connection

    private func connect() {
        pool.connection(to: request.backend) { [self] result in
            switch result {
            case .success(let (connection, reused)): connected(connection, reused: reused)
            case .failure: fail(.badGateway)
            }
        }
    }

    private func connected(_ connection: BackendConnection, reused: Bool) {
        guard !isOver else {
            // The client went while the connection was being opened: it is as good as new, so it goes to the pool.
            pool.release(connection, backend: request.backend.configuration.name)
            return
        }
        self.connection = connection
        self.reused = reused
        connection.handler.user = self
        connection.handler.resumeReads()
        state = .sent
        connection.channel.write(HTTPClientRequestPart.head(request.head), promise: nil)
        flushBody()
        if !bodySent {
            // The body goes on as the backend takes it: a window now, then what each write returns.
            delegate?.proxyGranted(credits: Self.uploadWindow)
        }
    }

    private func enqueue(_ body: [UInt8], isLast: Bool) {
        if !body.isEmpty { queuedBody.append(clientChannel.allocator.buffer(bytes: body)) }
        if isLast { bodyEnded = true }
    }

    private func flushBody() {
        guard let connection else { return }
        for piece in queuedBody {
            let promise = connection.channel.eventLoop.makePromise(of: Void.self)
            let exchange = NIOLoopBound(self, eventLoop: connection.channel.eventLoop)
            let count = piece.readableBytes
            promise.futureResult.whenSuccess { exchange.value.bodyWritten(count) }
            connection.channel.write(HTTPClientRequestPart.body(.byteBuffer(piece)), promise: promise)
        }
        queuedBody.removeAll()
        if bodyEnded, !bodySent {
            bodySent = true
            connection.channel.write(HTTPClientRequestPart.end(nil), promise: nil)
        }
        connection.channel.flush()
    }

    private func bodyWritten(_ count: Int) {
        guard !isOver, !bodySent else { return }
        delegate?.proxyGranted(credits: count)
    }

    func backendRead(_ part: HTTPClientResponsePart) {
        switch (part, state) {
        case (.head(let head), .sent):
            // Interim responses (100 Continue) are the backend's business with the gateway, not the client's.
            if (100..<200).contains(head.status.code), head.status.code != 101 { return }
            let response = ProxyResponseHead(
                head, for: request, clientKeepAlive: clientKeepAlive, allocator: clientChannel.allocator)
            request.backend.counters.responses.add(1, ordering: .relaxed)
            if response.status == 101, request.upgrade {
                state = .switching(response)
                return
            }
            guard response.status != 101 else {
                // A switch nobody asked for cannot be followed.
                fail(.badGateway)
                return
            }
            state = .receiving(response)
            delegate?.proxyReplied(.head(status: response.status, response.bytes))
        case (.body(let bytes), .receiving(let response)):
            switch response.framing {
            case .asSent, .untilClose:
                delegate?.proxyReplied(.body(bytes))
            case .chunked:
                guard bytes.readableBytes > 0 else { return }
                var chunk = clientChannel.allocator.buffer(capacity: bytes.readableBytes + 16)
                chunk.writeString(String(bytes.readableBytes, radix: 16) + "\r\n")
                chunk.writeImmutableBuffer(bytes)
                chunk.writeString("\r\n")
                delegate?.proxyReplied(.body(chunk))
            }
            if !clientChannel.isWritable {
                // Parts the codec had already decoded still come after the pause, and each restarts the reply
                // deadline: so each says again that the wait is the client's.
                if !pausedForClient { connection?.handler.pauseReads() }
                pausedForClient = true
                delegate?.proxyAwaitsClient(true)
            }
        case (.end, .switching(let response)):
            switchProtocols(head: .head(status: response.status, response.bytes))
        case (.end(let trailers), .receiving(let response)):
            if response.framing == .chunked {
                var last = clientChannel.allocator.buffer(capacity: 5)
                last.writeString("0\r\n")
                for (name, value) in trailers ?? [:] { last.writeString("\(name): \(value)\r\n") }
                last.writeString("\r\n")
                delegate?.proxyReplied(.body(last))
            }
            finished(backendKeepAlive: response.backendKeepAlive)
            delegate?.proxyReplied(.end(keepAlive: response.keepAlive, excessBytes: 0))
        default:
            // Only a response the codec could not frame gets here (a body before a head): the backend is broken.
            backendClosed(error: ProxyProtocolError())
        }
    }

    /// The backend's connection broke or closed before the response's end.
    func backendClosed(error: (any Error)?) {
        guard !isOver else { return }
        switch state {
        case .connecting, .done:
            return
        case .sent:
            // A kept-alive connection the backend closed as it was taken: a request without a body is sent again,
            // once, on a new one, as nginx retries an idempotent request (`proxy_next_upstream error`).
            if reused, !retried, request.framing == .none, queuedBody.isEmpty, !request.upgrade {
                retried = true
                connection?.handler.user = nil
                connection = nil
                state = .connecting
                bodySent = false
                connect()
                return
            }
            fail(.badGateway)
        case .switching:
            fail(.badGateway)
        case .receiving:
            request.backend.counters.cutShort.add(1, ordering: .relaxed)
            state = .done
            connection?.close()
            connection = nil
            // The head has gone to the client, so it only hears that the response ends here: its connection closes.
            delegate?.proxyFailed(.badGateway)
        }
    }

    private func fail(_ status: HTTPStatus) {
        guard !isOver else { return }
        if status == .badGateway { request.backend.counters.badGateway.add(1, ordering: .relaxed) }
        state = .done
        connection?.handler.user = nil
        connection?.close()
        connection = nil
        delegate?.proxyFailed(status)
    }

    /// The response is complete: the connection goes back to the pool if the backend keeps it and has the whole
    /// request, else it is closed.
    private func finished(backendKeepAlive: Bool) {
        state = .done
        guard let connection else { return }
        self.connection = nil
        connection.handler.user = nil
        if backendKeepAlive, bodySent {
            pool.release(connection, backend: request.backend.configuration.name)
        } else {
            connection.close()
        }
    }

    /// A 101: the backend connection leaves HTTP, and the client's is spliced to it (``ProxySplice``).
    private func switchProtocols(head: ReplyPart<ByteBuffer>) {
        guard let connection else { return }
        // Let go first: the client connection ends this request as it writes the head.
        state = .done
        self.connection = nil
        connection.handler.user = nil
        request.backend.counters.upgrades.add(1, ordering: .relaxed)
        delegate?.proxySwitchedProtocols(to: connection, head: head)
    }
}

/// A backend's bytes that NIOHTTP1 decoded into parts in no order a response has.
struct ProxyProtocolError: Error {}
