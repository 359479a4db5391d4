import Logging
import ServiceLifecycle

/// A handler connection's run loop as a swift-service-lifecycle `Service`, for a handler process that runs
/// other services beside it in its own `ServiceGroup`.
///
/// ```swift
/// let connection = try HandlerConnection.fromEnvironment()
/// let handler = HandlerService(connection: connection) { request in Response(text: "Hello\n") }
/// let group = ServiceGroup(services: [database, handler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// The group's graceful shutdown stops the connection as ``HandlerConnection/shutdown()`` does: it takes no
/// new requests, finishes those in hand, sends their replies and returns. Cancelling the group cancels the
/// requests in hand instead. The service ignores ``HandlerSettings/handlesSignals``: the group owns the signals.
public struct HandlerService: Service {
    /// The connection the service runs.
    public let connection: HandlerConnection
    private let onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)?
    private let webSocket: HandlerConnection.WebSocketRoute?
    private let respond: @Sendable (Request) async throws -> Response

    /// Makes a service that answers the connection's requests with `respond`.
    ///
    /// - Parameters:
    ///   - onDisconnect: called with the connection id when the gateway says a client went away.
    ///   - respond: makes the response to one request, as for ``HandlerConnection/run(onDisconnect:_:)``.
    public init(
        connection: HandlerConnection,
        onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)? = nil,
        respond: @escaping @Sendable (Request) async throws -> Response
    ) {
        self.init(connection: connection, webSocket: nil, onDisconnect: onDisconnect, respond: respond)
    }

    /// Makes a service that also takes WebSockets, as
    /// ``HandlerConnection/run(webSocket:shouldUpgrade:onDisconnect:_:)`` does.
    ///
    /// - Parameters:
    ///   - webSocket: runs one accepted WebSocket; it closes with 1000 when this returns.
    ///   - shouldUpgrade: accepts or refuses each handshake; nil accepts every one, with no subprotocol.
    ///   - onDisconnect: called with the connection id when the gateway says a client went away.
    ///   - respond: makes the response to one ordinary request.
    public init(
        connection: HandlerConnection,
        webSocket: @escaping @Sendable (_ request: Request, _ socket: WebSocket) async throws -> Void,
        shouldUpgrade: (@Sendable (_ request: Request) async throws -> WebSocketUpgrade)? = nil,
        onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)? = nil,
        respond: @escaping @Sendable (Request) async throws -> Response
    ) {
        self.init(
            connection: connection, webSocket: .init(session: webSocket, shouldUpgrade: shouldUpgrade),
            onDisconnect: onDisconnect, respond: respond)
    }

    private init(
        connection: HandlerConnection,
        webSocket: HandlerConnection.WebSocketRoute?,
        onDisconnect: (@Sendable (_ connectionID: UInt64) -> Void)?,
        respond: @escaping @Sendable (Request) async throws -> Response
    ) {
        self.connection = connection
        self.webSocket = webSocket
        self.onDisconnect = onDisconnect
        self.respond = respond
    }

    /// Answers requests until the group shuts down, then drains and returns.
    /// - Throws: ``HandlerError`` `alreadyRunning` when the connection is already running.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await serve()
        } onGracefulShutdown: { [connection] in
            connection.stop(.gracefulShutdown)
        }
    }

    /// The connection's run loop, without signal handling.
    func serve() async throws {
        try await connection.serve(onDisconnect: onDisconnect, webSocket: webSocket, respond)
    }
}
