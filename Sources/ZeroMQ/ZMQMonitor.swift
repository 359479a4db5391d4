import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

extension ZMQSocket {
    /// Starts publishing this socket's events on an `inproc://` endpoint
    /// (`zmq_socket_monitor`); read them with a ``ZMQMonitor``.
    ///
    /// Create the ``ZMQMonitor`` first (inproc allows connecting before the
    /// bind), or at least before this socket binds or connects: libzmq 4.3
    /// does not drop an event nobody is connected to receive, it blocks the
    /// call or I/O thread that raised it, forever.
    public func monitor(endpoint: String, events: ZMQMonitorEvents = .all) throws {
        try check(
            zmq_socket_monitor(try open("monitor \(endpoint)"), endpoint, Int32(events.rawValue)),
            "monitor \(endpoint)"
        )
    }

    /// Stops the monitor started with ``monitor(endpoint:events:)``.
    public func stopMonitor() throws {
        try check(zmq_socket_monitor(try open("stop monitor"), nil, 0), "stop monitor")
    }
}

/// Reads the events a monitored socket publishes.
///
/// It is a PAIR socket connected to the endpoint given to
/// ``ZMQSocket/monitor(endpoint:events:)``. Like any socket it belongs to one
/// thread; register ``socket`` with a ``ZMQLoop`` to be told when events wait.
///
/// The reader's queue is unbounded: at libzmq's default high-water mark,
/// a thousand or so unread events would block the monitored socket.
public final class ZMQMonitor {
    /// The PAIR socket the events arrive on.
    public let socket: ZMQSocket

    /// Connects a reader to a monitor endpoint in the same context as the
    /// monitored socket, before or after ``ZMQSocket/monitor(endpoint:events:)``.
    public init(context: ZMQContext, endpoint: String) throws {
        socket = try ZMQSocket(context: context, type: .pair)
        try socket.setLinger(.zero)
        // Set before connecting: an inproc pipe is unbounded when either end's high-water mark is 0.
        try socket.setReceiveHighWaterMark(0)
        try socket.connect(endpoint)
    }

    /// Receives the next event, or nil when none is waiting (with `dontWait`,
    /// or after the socket's receive timeout).
    ///
    /// Throws `EPROTO` when the message is not a monitor event.
    public func receiveEvent(dontWait: Bool = false) throws -> ZMQMonitorEvent? {
        guard let frames = try socket.receiveMultipart(dontWait: dontWait) else { return nil }
        guard let event = ZMQMonitorEvent(frames: frames) else {
            throw ZMQError(code: EPROTO, operation: "receive monitor event")
        }
        return event
    }

    /// Closes the reader's socket.
    public func close() {
        socket.close()
    }
}

@available(*, unavailable)
extension ZMQMonitor: Sendable {}
