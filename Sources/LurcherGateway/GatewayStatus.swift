import Synchronization

/// A snapshot of the gateway, for `lurcher ctl status`.
public struct GatewayStatus: Sendable, Codable, Equatable {
    /// One handler's side of the dispatcher.
    public struct Handler: Sendable, Codable, Equatable {
        public var name: String
        /// Handler processes connected to its request socket.
        public var connected: Int
        /// Requests waiting for a handler to connect.
        public var held: Int
        /// Requests sent to it since the gateway started.
        public var dispatched: Int
    }

    public var openConnections: Int
    /// Requests sent (or held) for a handler and not yet answered.
    public var inFlight: Int
    public var handlers: [Handler]
}

/// Counters the event loops update as connections come and go; read by status and draining.
final class GatewayCounters: Sendable {
    let openConnections = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
}
