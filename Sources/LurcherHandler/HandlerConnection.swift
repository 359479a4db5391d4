import Dispatch
import Logging
internal import LurcherProtocol
import Synchronization
internal import ZeroMQ

/// A handler process's connection to the gateway: it takes requests, runs
/// your responder for each, and sends the replies back.
///
/// ```swift
/// let connection = try HandlerConnection.fromEnvironment()
/// try await connection.run { request in
///     Response(text: "Hello, \(request.path)\n")
/// }
/// ```
///
/// Every ZeroMQ socket lives on one thread of the connection's own (libzmq
/// sockets are not thread-safe); requests reach Swift concurrency as tasks,
/// and replies are handed back to that thread.
///
/// ``run(onDisconnect:_:)`` answers requests until SIGTERM or SIGINT,
/// ``shutdown()``, the gateway process exiting (when
/// ``HandlerSettings/parentProcessID`` is set) or cancellation; then it stops
/// taking requests, finishes the ones in hand, flushes their replies and
/// returns. The lower-level calls (``send(_:to:sender:)``,
/// ``close(_:sender:)``, ``stream(to:status:headers:_:)``) reply to any
/// connection, several at once, or piece by piece.
public final class HandlerConnection: Sendable {
    /// The settings the connection was made with.
    public let settings: HandlerSettings
    /// The logger for the connection's own lines; it carries the handler's name.
    public let logger: Logger

    /// The sockets and their state, made on the loop thread and only usable there.
    let transport: ZMQLoopBound<any HandlerTransport>
    let state = Mutex(State())

    /// Connects to the gateway's reply endpoint; requests are taken once ``run(onDisconnect:_:)`` starts.
    ///
    /// Connecting happens in the background, so the gateway need not be up yet.
    ///
    /// - Throws: ``HandlerError`` when a setting cannot work or an endpoint is malformed.
    public init(settings: HandlerSettings, logger: Logger = Logger(label: "lurcher.handler")) throws(HandlerError) {
        try settings.validate()
        var logger = logger
        logger[metadataKey: "handler"] = .string(settings.name)
        if let level = settings.logLevel { logger.logLevel = level }
        self.settings = settings
        self.logger = logger
        let thread = ZMQLoopThread(name: "lurcher-handler", context: ZMQContext())
        // Set by the thread's set-up, which `start` waits for.
        let made = Mutex<ZMQLoopBound<any HandlerTransport>?>(nil)
        do {
            try thread.start { [logger] loop in
                let transport: any HandlerTransport =
                    switch settings.mode {
                    case .push: PushTransport(settings: settings, logger: logger)
                    case .broker: BrokerTransport(settings: settings, logger: logger)
                    }
                try transport.setUp(loop: loop)
                made.withLock { $0 = ZMQLoopBound(transport, loop: loop) }
            }
        } catch let error as HandlerError {
            throw error
        } catch {
            throw HandlerError(.cannotConnect, "cannot start the handler's ZeroMQ thread: \(error)")
        }
        transport = made.withLock { $0! }
        state.withLock { $0.thread = thread }
    }

    /// Makes a connection from the settings `lurcher start` passes in the environment.
    ///
    /// - Throws: ``HandlerError`` naming a missing or invalid variable.
    public static func fromEnvironment(logger: Logger = Logger(label: "lurcher.handler")) throws(HandlerError) -> HandlerConnection {
        try HandlerConnection(settings: .fromEnvironment(), logger: logger)
    }

    /// Asks ``run(onDisconnect:_:)`` to stop gracefully: take no new
    /// requests, finish those in hand, send their replies and return.
    /// Safe from any thread; calling it again does nothing.
    public func shutdown() {
        stop(.shutdown)
    }

    // MARK: - Lower-level replies

    /// Sends `bytes` to each of `connectionIDs`, in one message.
    ///
    /// `bytes` is raw HTTP: a whole response, or the next piece of one. The
    /// gateway writes it to each connection as is. Empty `bytes` asks the
    /// gateway to close the connections.
    ///
    /// - Parameters:
    ///   - bytes: what to write to each connection.
    ///   - connectionIDs: the connections, from ``Request/connectionID``.
    ///   - sender: the ``Request/sender`` of their requests; the gateway takes only replies that start with its own.
    /// - Throws: ``HandlerError`` `closed` after the connection has shut down.
    public func send(_ bytes: [UInt8], to connectionIDs: [UInt64], sender: String) throws(HandlerError) {
        guard !connectionIDs.isEmpty else { return }
        try sendMessage(Self.wireReply(bytes, to: connectionIDs, sender: sender))
    }

    /// Sends a complete response to each of `connectionIDs`, in one message.
    ///
    /// - Throws: ``HandlerError`` `streamingBody` for a streamed body (use
    ///   ``stream(to:status:headers:_:)``), `closed` after shutdown.
    public func send(_ response: Response, to connectionIDs: [UInt64], sender: String) throws(HandlerError) {
        guard let body = response.body.bytes else { throw .streamingBody }
        switch response.disposition {
        case .none: return
        case .close: try send([], to: connectionIDs, sender: sender)
        case .respond:
            guard !connectionIDs.isEmpty else { return }
            try sendMessage(Self.replyMessage(response, body: body, head: false, to: connectionIDs, sender: sender))
        }
    }

    /// Hands a whole reply message to the transport thread.
    private func sendMessage(_ message: [UInt8]) throws(HandlerError) {
        let transport = self.transport
        try execute { _ in transport.value.send(message) }
    }

    /// Asks the gateway to close `connectionIDs` once what was sent to them has been written.
    ///
    /// - Throws: ``HandlerError`` `closed` after the connection has shut down.
    public func close(_ connectionIDs: [UInt64], sender: String) throws(HandlerError) {
        try send([], to: connectionIDs, sender: sender)
    }

    /// Answers `request` with a body written piece by piece.
    ///
    /// Sends the status line and headers with `Transfer-Encoding: chunked`,
    /// then each write as its own chunk, then the last chunk. A HEAD request
    /// gets the head only. Use it from a responder that then returns
    /// ``Response/noReply``, or outside ``run(onDisconnect:_:)``; inside a
    /// responder, ``ResponseBody/stream(_:)`` does the same.
    ///
    /// - Throws: what `write` throws, after closing the connection so the
    ///   client sees the response cut short; ``HandlerError`` `closed` after shutdown.
    public func stream(
        to request: Request,
        status: Int = 200,
        headers: ResponseHeaders = [:],
        _ write: @escaping @Sendable (ResponseBodyWriter) async throws -> Void
    ) async throws {
        let lifetime = lifetime(for: request)
        let head = Response(status: status, headers: headers, body: .stream(write))
        let outcome = await streamBody(head, write: write, head: request.isHead, lifetime: lifetime)
        if let last = outcome.last {
            try await sendAwaitingHandOff(last, lifetime: lifetime, framed: true)
        }
        if let error = outcome.error { throw error }
    }

    // MARK: - Internals shared with run

    /// Runs `work` on the loop thread.
    func execute(_ work: @escaping @Sendable (ZMQLoop) -> Void) throws(HandlerError) {
        guard let thread = state.withLock({ $0.thread }) else { throw .closed }
        thread.execute(work)
    }

    /// Sends a message and returns once the loop thread has handed it to ZeroMQ.
    ///
    /// - Parameter framed: `bytes` is already a whole reply message; otherwise it is a body for `lifetime`'s connection.
    func sendAwaitingHandOff(_ bytes: [UInt8], lifetime: RequestLifetime, framed: Bool = false) async throws(HandlerError) {
        try await handOff(framed ? bytes : Self.wireReply(bytes, to: [lifetime.connectionID], sender: lifetime.sender))
    }

    /// Sends a whole reply message and returns once the loop thread has handed it to ZeroMQ.
    func handOff(_ message: [UInt8]) async throws(HandlerError) {
        let transport = self.transport
        let thread = try { () throws(HandlerError) -> ZMQLoopThread in
            guard let thread = state.withLock({ $0.thread }) else { throw .closed }
            return thread
        }()
        await withCheckedContinuation { (handedOff: CheckedContinuation<Void, Never>) in
            thread.execute { _ in
                transport.value.send(message)
                handedOff.resume()
            }
        }
    }

    /// Sends the head of a streamed response, runs `write`, and returns the
    /// message that ends it (the last chunk, or a close when `write` failed),
    /// still to be sent.
    func streamBody(
        _ response: Response,
        write: @Sendable (ResponseBodyWriter) async throws -> Void,
        head: Bool,
        lifetime: RequestLifetime
    ) async -> (last: [UInt8]?, error: (any Error)?) {
        do {
            try await sendAwaitingHandOff(response.serializedStreamHead(), lifetime: lifetime)
        } catch {
            return (nil, error)
        }
        if head || response.statusForbidsBody { return (nil, nil) }
        do {
            try await write(ResponseBodyWriter(connection: self, lifetime: lifetime))
            return (Self.wireReply(ChunkedEncoding.terminator, to: [lifetime.connectionID], sender: lifetime.sender), nil)
        } catch {
            if lifetime.isDisconnected { return (nil, error) }
            logger.error(
                "streamed response failed after its head was sent; closing the connection",
                metadata: ["connection": "\(lifetime.connectionID)", "error": "\(error)"])
            return (Self.wireReply([], to: [lifetime.connectionID], sender: lifetime.sender), error)
        }
    }

    /// The lifetime of a request in hand on the same connection, so that a
    /// disconnect stops a stream started through the lower-level API too.
    private func lifetime(for request: Request) -> RequestLifetime {
        state.withLock { state in
            state.inFlight.values.lazy.compactMap(\.lifetime).first {
                $0.connectionID == request.connectionID && $0.sender == request.sender
            }
        } ?? RequestLifetime(connectionID: request.connectionID, sender: request.sender)
    }

    /// The reply message carrying `response`, whose body is complete, to `connectionIDs` (not empty).
    ///
    /// - Parameter head: the request was HEAD: keep `Content-Length`, leave the body out.
    static func replyMessage(
        _ response: Response, body: [UInt8], head: Bool, to connectionIDs: [UInt64], sender: String
    ) -> [UInt8] {
        // The HTTP response is written straight after the framing, in the one buffer that is sent.
        var message: [UInt8] = []
        message.reserveCapacity(sender.utf8.count + 24 + response.serializedCapacity(bodyCount: body.count))
        WireReply.appendFraming(sender: sender.utf8, connectionIDs: connectionIDs, to: &message)
        response.serialize(bytes: body, head: head, to: &message)
        return message
    }

    /// A whole reply message: `SENDER LEN:ID ID, BODY`.
    static func wireReply(_ body: [UInt8], to connectionIDs: [UInt64], sender: String) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(sender.utf8.count + 24 + body.count)
        WireReply.append(sender: sender.utf8, connectionIDs: connectionIDs, body: body, to: &message)
        return message
    }
}
