import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// One thing for ``zmqPoll(_:timeout:)`` to watch: a socket or a raw file descriptor.
public struct ZMQPollItem {
    /// What is watched.
    public enum Target {
        /// A ZeroMQ socket, polled through libzmq (level-triggered).
        case socket(ZMQSocket)
        /// A plain file descriptor, polled with poll(2).
        case fileDescriptor(Int32)
    }

    /// What is watched.
    public var target: Target

    /// The events asked for.
    public var events: ZMQPollEvents

    /// The events that were ready, filled in by ``zmqPoll(_:timeout:)``.
    public var returnedEvents: ZMQPollEvents = []

    /// Watches a socket.
    public init(socket: ZMQSocket, events: ZMQPollEvents) {
        self.target = .socket(socket)
        self.events = events
    }

    /// Watches a file descriptor, such as a ``ZMQWakeup``'s.
    public init(fileDescriptor: Int32, events: ZMQPollEvents) {
        self.target = .fileDescriptor(fileDescriptor)
        self.events = events
    }
}

/// Waits until at least one item is ready or the timeout passes (`zmq_poll`).
///
/// Readiness of sockets is level-triggered: a socket with a message waiting
/// is reported on every call until the message is received.
///
/// - Parameter timeout: nil waits forever; `.zero` only checks. Rounded up to
///   whole milliseconds so the call never returns before the timeout.
/// - Returns: how many items have ``ZMQPollItem/returnedEvents``; 0 on
///   timeout or when a signal interrupted the wait.
/// - Throws: ``ZMQError`` when the context was terminated, or with `ENOTSOCK`
///   when an item's socket is closed.
public func zmqPoll(_ items: inout [ZMQPollItem], timeout: Duration?) throws -> Int {
    var raw = [zmq_pollitem_t]()
    raw.reserveCapacity(items.count)
    for item in items {
        switch item.target {
        case .socket(let socket):
            raw.append(zmq_pollitem_t(socket: try socket.open("poll"), fd: -1, events: item.events.rawValue, revents: 0))
        case .fileDescriptor(let fd):
            raw.append(zmq_pollitem_t(socket: nil, fd: fd, events: item.events.rawValue, revents: 0))
        }
    }
    let ready = try zmqPollRaw(&raw, timeoutMilliseconds: timeout.map { $0.roundedUpMilliseconds } ?? -1)
    for index in items.indices {
        items[index].returnedEvents = ZMQPollEvents(rawValue: raw[index].revents)
    }
    return ready
}

/// `zmq_poll` over prepared items; -1 waits forever. An interrupted wait returns 0
/// with every `revents` cleared.
func zmqPollRaw(_ items: inout [zmq_pollitem_t], timeoutMilliseconds: Int64) throws -> Int {
    let count = Int32(items.count)
    let rc = items.withUnsafeMutableBufferPointer { buffer in
        zmq_poll(buffer.baseAddress, count, Int(clamping: timeoutMilliseconds))
    }
    if rc >= 0 { return Int(rc) }
    let error = ZMQError.last("poll")
    guard error.isInterrupted else { throw error }
    for index in items.indices { items[index].revents = 0 }
    return 0
}
