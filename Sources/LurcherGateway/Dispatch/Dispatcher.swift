import Logging
import LurcherConfiguration
import LurcherProtocol
import NIOConcurrencyHelpers
import NIOCore
import ZeroMQ

/// Moves requests from connections to handlers over ZeroMQ, and replies back.
///
/// One transport thread owns every ZeroMQ socket, because libzmq sockets are not thread-safe and SwiftNIO
/// cannot watch them. Event loops hand work over with ``submit(handler:connectionID:token:message:)``;
/// replies go back to the connection's own event loop through its ``ConnectionSink``.
final class Dispatcher: Sendable {
    private let thread: ZMQLoopThread
    private let context: ZMQContext
    private let connections = NIOLockedValueBox<[UInt64: ConnectionSink]>([:])
    private let transport: Transport

    /// Binds every handler's sockets and starts the transport thread.
    /// - Throws: ``GatewayError`` naming the handler and endpoint that could not be bound.
    /// - Parameter handlerConnected: called with a handler's name when a handler process has connected and
    ///   its replies can reach the gateway (the supervisor's readiness signal).
    init(
        handlers: [HandlerConfiguration], limits: Limits, timeouts: Timeouts, logger: Logger,
        handlerConnected: @escaping @Sendable (String) -> Void
    ) throws {
        context = ZMQContext()
        thread = ZMQLoopThread(name: "lurcher-transport", context: context)
        transport = Transport(
            handlers: handlers, maxHeld: limits.maxHeldRequests, holdTimeout: timeouts.hold, logger: logger,
            connections: connections, handlerConnected: handlerConnected)
        let transport = self.transport
        let context = self.context
        try thread.start { loop in try transport.setUp(loop: loop, context: context) }
    }

    /// Makes replies for `connectionID` reach `sink`.
    func register(connectionID: UInt64, sink: ConnectionSink) {
        connections.withLockedValue { $0[connectionID] = sink }
    }

    /// Forgets a closed connection and tells each handler that had its requests that the client is gone.
    func connectionClosed(connectionID: UInt64, notifying handlerIndices: [Int]) {
        connections.withLockedValue { _ = $0.removeValue(forKey: connectionID) }
        let transport = self.transport
        thread.execute { loop in transport.connectionClosed(connectionID: connectionID, handlers: handlerIndices, loop: loop) }
    }

    /// Sends a request to handler `index`, or holds it until a handler connects.
    func submit(handler index: Int, connectionID: UInt64, token: UInt64, message: [UInt8]) {
        let transport = self.transport
        thread.execute { loop in
            transport.submit(
                HeldRequest(connectionID: connectionID, token: token, message: message, deadline: .now + transport.holdTimeout),
                to: index, loop: loop)
        }
    }

    /// Each handler's connected processes, held and dispatched requests.
    func snapshot() async -> [GatewayStatus.Handler] {
        let transport = self.transport
        return await withCheckedContinuation { continuation in
            thread.execute { _ in continuation.resume(returning: transport.snapshot()) }
        }
    }

    /// Stops the transport thread and closes every socket.
    func shutdown() {
        thread.shutdown()
    }
}

/// A request waiting for a handler to connect.
struct HeldRequest: Sendable {
    var connectionID: UInt64
    var token: UInt64
    var message: [UInt8]
    var deadline: ContinuousClock.Instant
}
