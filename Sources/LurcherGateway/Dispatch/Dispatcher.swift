import Logging
import LurcherConfiguration
import LurcherProtocol
import NIOConcurrencyHelpers
import NIOCore
import ZeroMQ

/// Moves requests from connections to handlers over ZeroMQ, and replies back.
///
/// One dispatch thread owns every ZeroMQ socket, because libzmq sockets are not thread-safe and SwiftNIO
/// cannot watch them. Event loops hand work over with ``submit(handler:connectionID:token:message:)``;
/// replies go back to the connection's own event loop through its ``ConnectionSink``.
final class Dispatcher: Sendable {
    private let thread: ZMQLoopThread
    private let context: ZMQContext
    private let connections: NIOLockedValueBox<[UInt64: ConnectionSink]>
    /// Every handler's dispatch, made on the dispatch thread and only usable there.
    private let dispatches: ZMQLoopBound<HandlerDispatches>
    private let holdTimeout: Duration
    /// Whether a handler has download flow control, whose credits are kept per connection on the dispatch thread.
    private let countsDownloadCredits: Bool

    /// Binds every handler's sockets and starts the dispatch thread.
    /// - Throws: ``GatewayError`` naming the handler and endpoint that could not be bound.
    /// - Parameter ids: the counter the client connections' ids come from; jobs take theirs from it too.
    /// - Parameter handlerReady: called with a handler's name (and process id, when known) when a handler
    ///   process can take requests and its replies can reach the gateway (the supervisor's readiness signal).
    init(
        handlers: [HandlerConfiguration], limits: Limits, timeouts: Timeouts, ids: ConnectionIDs, logger: Logger,
        handlerReady: @escaping @Sendable (String, Int32?) -> Void
    ) throws {
        let context = ZMQContext()
        let connections = NIOLockedValueBox<[UInt64: ConnectionSink]>([:])
        self.context = context
        self.connections = connections
        holdTimeout = timeouts.hold
        countsDownloadCredits = handlers.contains { $0.downloadFlowControl }
        thread = ZMQLoopThread(name: "lurcher-zmq", context: context)
        // Set by the thread's set-up, which `start` waits for.
        let made = NIOLockedValueBox<ZMQLoopBound<HandlerDispatches>?>(nil)
        try thread.start { loop in
            let dispatches = HandlerDispatches(
                handlers: handlers, limits: limits, timeouts: timeouts, ids: ids, logger: logger, connections: connections,
                handlerReady: handlerReady)
            try dispatches.setUp(loop: loop, zmq: context)
            made.withLockedValue { $0 = ZMQLoopBound(dispatches, loop: loop) }
        }
        dispatches = made.withLockedValue { $0! }
    }

    /// Makes replies for `connectionID` reach `sink`.
    func register(connectionID: UInt64, sink: ConnectionSink) {
        connections.withLockedValue { $0[connectionID] = sink }
    }

    /// Forgets a closed connection and tells each handler that had its requests that the client is gone.
    /// - Parameter tellHandlers: false when a handler asked for the close, and so needs no notice.
    func connectionClosed(connectionID: UInt64, notifying handlerIndices: [Int], tellHandlers: Bool = true) {
        connections.withLockedValue { _ = $0.removeValue(forKey: connectionID) }
        // A connection no handler had (a file, a canned answer, an HTTP/2 stream for a Dir route) leaves nothing on
        // the dispatch thread to forget: no hop there, which would wake its thread for every such close.
        guard !handlerIndices.isEmpty || countsDownloadCredits else { return }
        let dispatches = self.dispatches
        thread.execute { _ in
            dispatches.value.connectionClosed(connectionID: connectionID, handlers: handlerIndices, notify: tellHandlers)
        }
    }

    /// The public keys each CURVE handler admits from now on (a reload), by handler name.
    func allowCurveClients(_ allowed: [String: [String]]) {
        let dispatches = self.dispatches
        thread.execute { _ in dispatches.value.allowCurveClients(allowed) }
    }

    /// Connection `connectionID` has written the reply `receipt` came with (download flow control): its handler
    /// gets the credits.
    func downloadWritten(_ receipt: DownloadReceipt, connectionID: UInt64) {
        let dispatches = self.dispatches
        thread.execute { _ in dispatches.value.downloadWritten(receipt, connectionID: connectionID) }
    }

    /// The connection is now a WebSocket whose handshake handler `index` accepted: in broker mode, its messages go
    /// to the process that took the handshake.
    func webSocketOpened(connectionID: UInt64, handler index: Int) {
        let dispatches = self.dispatches
        thread.execute { _ in dispatches.value.webSocketOpened(connectionID: connectionID, handler: index) }
    }

    /// Sends a WebSocket's message to its handler. In broker mode the connection hears `.dispatched(token)` once
    /// the process has finished it; in push mode it hears `.held(token)` if the message has to wait.
    func submitWebSocketMessage(handler index: Int, connectionID: UInt64, token: UInt64, message: [UInt8]) {
        submit(handler: index, connectionID: connectionID, token: token, message: message, retriable: false, webSocketMessage: true)
    }

    /// Sends a request to handler `index`, or holds it until a handler can take it.
    /// - Parameters:
    ///   - retriable: the request is safe to send again (GET, HEAD, OPTIONS) if its handler process dies.
    ///   - startsUploadStream: it is a streamed upload's first message, whose pieces follow with
    ///     ``submitUploadPiece(handler:connectionID:token:message:)`` under the same token.
    func submit(
        handler index: Int, connectionID: UInt64, token: UInt64, message: [UInt8], retriable: Bool,
        startsUploadStream: Bool = false
    ) {
        submit(
            handler: index, connectionID: connectionID, token: token, message: message, retriable: retriable,
            webSocketMessage: false, streamedUpload: startsUploadStream ? .start : nil)
    }

    /// Sends a piece of a streamed upload after its first message: in broker mode to the process that took
    /// that; if it has gone, the connection hears `.handlerLost(token)`.
    func submitUploadPiece(handler index: Int, connectionID: UInt64, token: UInt64, message: [UInt8]) {
        submit(
            handler: index, connectionID: connectionID, token: token, message: message, retriable: false,
            webSocketMessage: false, streamedUpload: .piece)
    }

    /// Hands a request, WebSocket message or upload piece to the dispatch thread, with its hold deadline
    /// starting now.
    private func submit(
        handler index: Int, connectionID: UInt64, token: UInt64, message: [UInt8], retriable: Bool, webSocketMessage: Bool,
        streamedUpload: StreamedUploadPart? = nil
    ) {
        let dispatches = self.dispatches
        let holdTimeout = self.holdTimeout
        thread.execute { _ in
            dispatches.value.submit(
                HeldRequest(
                    origin: .connection(id: connectionID, token: token), message: message, deadline: .now + holdTimeout,
                    retriable: retriable, webSocketMessage: webSocketMessage, streamedUpload: streamedUpload),
                to: index)
        }
    }

    /// Tells every open connection that the gateway is stopping.
    func gatewayStopping() {
        for sink in connections.withLockedValue({ Array($0.values) }) { sink.deliver(.gatewayStopping) }
    }

    /// A handler process the supervisor started has exited; in broker mode its requests go elsewhere.
    func processExited(handler: String, processID: Int32, stopped: Bool) {
        let dispatches = self.dispatches
        thread.execute { _ in dispatches.value.processExited(handler: handler, processID: processID, stopped: stopped) }
    }

    /// Each handler's connected processes, held and dispatched requests.
    func snapshot() async -> [GatewayStatus.Handler] {
        let dispatches = self.dispatches
        return await withCheckedContinuation { continuation in
            thread.execute { _ in continuation.resume(returning: dispatches.value.snapshot()) }
        }
    }

    /// Stops the dispatch thread and closes every socket.
    func shutdown() {
        thread.shutdown()
    }
}
