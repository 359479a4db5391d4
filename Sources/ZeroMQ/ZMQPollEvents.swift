import CZeroMQ

/// Readiness of a socket or file descriptor, as `zmq_poll` and `ZMQ_EVENTS` report it.
public struct ZMQPollEvents: OptionSet, Sendable, Hashable {
    /// The `ZMQ_POLL*` bits.
    public let rawValue: Int16

    /// Creates a set from `ZMQ_POLL*` bits.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// At least one message can be received without blocking (`ZMQ_POLLIN`).
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))

    /// At least one message can be sent without blocking (`ZMQ_POLLOUT`).
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))

    /// An error condition on a file descriptor (`ZMQ_POLLERR`); never set for sockets.
    public static let error = ZMQPollEvents(rawValue: Int16(ZMQ_POLLERR))
}
