import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// A libzmq socket.
///
/// libzmq sockets are not thread-safe, so this type is not `Sendable`: one
/// thread creates, uses and closes each socket (see ``ZMQLoopThread``).
/// The socket keeps its ``context`` alive and is closed on `deinit` if
/// ``close()`` was not called.
public final class ZMQSocket {
    /// The context the socket was created in.
    public let context: ZMQContext

    /// The socket's pattern.
    public let type: ZMQSocketType

    /// The libzmq handle, or nil once closed.
    private(set) var handle: UnsafeMutableRawPointer?

    /// Creates a socket of the given type in a context.
    ///
    /// Throws when the context has been shut down or the process is out of sockets.
    public init(context: ZMQContext, type: ZMQSocketType) throws {
        guard let handle = zmq_socket(context.handle, type.cValue) else {
            throw ZMQError.last("create \(type) socket")
        }
        self.context = context
        self.type = type
        self.handle = handle
    }

    deinit {
        close()
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket. Unsent messages are kept for the linger period. Idempotent.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        _ = zmq_close(handle)
    }

    /// Binds to an endpoint, such as `tcp://127.0.0.1:*` or `inproc://name`.
    public func bind(_ endpoint: String) throws {
        try check(zmq_bind(try open("bind \(endpoint)"), endpoint), "bind \(endpoint)")
    }

    /// Connects to an endpoint. For most transports the connection is made in the background.
    public func connect(_ endpoint: String) throws {
        try check(zmq_connect(try open("connect \(endpoint)"), endpoint), "connect \(endpoint)")
    }

    /// Stops listening on an endpoint given to ``bind(_:)``.
    ///
    /// For a wildcard bind, pass the resolved ``lastEndpoint``.
    public func unbind(_ endpoint: String) throws {
        try check(zmq_unbind(try open("unbind \(endpoint)"), endpoint), "unbind \(endpoint)")
    }

    /// Drops a connection made with ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws {
        try check(zmq_disconnect(try open("disconnect \(endpoint)"), endpoint), "disconnect \(endpoint)")
    }

    /// The endpoint of the last bind or connect, with wildcards resolved
    /// (`ZMQ_LAST_ENDPOINT`): bind `tcp://127.0.0.1:*` and read the port back here.
    public var lastEndpoint: String {
        get throws {
            var bytes = try bytesOption(ZMQ_LAST_ENDPOINT, capacity: 1024)
            // libzmq includes the C string's terminating NUL in the length.
            if bytes.last == 0 { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The socket's file descriptor (`ZMQ_FD`).
    ///
    /// It signals edge-triggered changes of ``events`` only; it is not readable
    /// whenever a message is waiting. Prefer ``zmqPoll(_:timeout:)`` or ``ZMQLoop``.
    public var fileDescriptor: Int32 {
        get throws { try intOption(ZMQ_FD) }
    }

    /// What the socket can do right now without blocking (`ZMQ_EVENTS`).
    public var events: ZMQPollEvents {
        get throws { ZMQPollEvents(rawValue: Int16(truncatingIfNeeded: try intOption(ZMQ_EVENTS))) }
    }

    /// The open handle, or `ENOTSOCK` when the socket has been closed.
    func open(_ operation: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: operation()) }
        return handle
    }

    /// Throws the current libzmq error when a C call returned -1.
    func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
        if rc == -1 { throw ZMQError.last(operation()) }
    }
}

// libzmq sockets must stay on one thread; this stops them being sent across.
@available(*, unavailable)
extension ZMQSocket: Sendable {}
