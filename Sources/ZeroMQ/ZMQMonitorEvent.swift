import CZeroMQ

/// A set of socket events to monitor (the `events` mask of `zmq_socket_monitor`).
public struct ZMQMonitorEvents: OptionSet, Sendable, Hashable {
    /// The `ZMQ_EVENT_*` bits.
    public let rawValue: UInt16

    /// Creates a set from `ZMQ_EVENT_*` bits.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// A connection to a peer was made.
    public static let connected = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_CONNECTED))
    /// A connect could not complete at once and is being retried asynchronously.
    public static let connectDelayed = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_CONNECT_DELAYED))
    /// A connect is being retried; the value is the retry interval in milliseconds.
    public static let connectRetried = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_CONNECT_RETRIED))
    /// A bind succeeded; the value is the listening file descriptor.
    public static let listening = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_LISTENING))
    /// A bind failed; the value is the `errno`.
    public static let bindFailed = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_BIND_FAILED))
    /// A peer connected to a bound endpoint; the value is the new file descriptor.
    public static let accepted = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_ACCEPTED))
    /// Accepting a peer failed; the value is the `errno`.
    public static let acceptFailed = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_ACCEPT_FAILED))
    /// A connection or listener was closed.
    public static let closed = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_CLOSED))
    /// Closing a connection failed; the value is the `errno`.
    public static let closeFailed = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_CLOSE_FAILED))
    /// A peer went away or the connection broke.
    public static let disconnected = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_DISCONNECTED))
    /// Monitoring ended; the last event a monitor sends.
    public static let monitorStopped = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_MONITOR_STOPPED))
    /// The ZMTP handshake failed for an unspecified reason.
    public static let handshakeFailedNoDetail = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    /// The ZMTP handshake completed: the peer can now exchange messages.
    public static let handshakeSucceeded = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    /// The ZMTP handshake failed because the peer broke the protocol.
    public static let handshakeFailedProtocol = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    /// The ZMTP handshake failed authentication.
    public static let handshakeFailedAuth = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))

    /// Every event (`ZMQ_EVENT_ALL`).
    public static let all = ZMQMonitorEvents(rawValue: UInt16(ZMQ_EVENT_ALL))
}

/// One event read from a socket monitor.
public struct ZMQMonitorEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened; each case matches the ``ZMQMonitorEvents`` member of the same name.
    public enum Kind: Sendable, Hashable {
        case connected, connectDelayed, connectRetried, listening, bindFailed
        case accepted, acceptFailed, closed, closeFailed, disconnected, monitorStopped
        case handshakeFailedNoDetail, handshakeSucceeded, handshakeFailedProtocol, handshakeFailedAuth
        /// An event id this wrapper does not name.
        case other(UInt16)

        init(id: UInt16) {
            switch ZMQMonitorEvents(rawValue: id) {
            case .connected: self = .connected
            case .connectDelayed: self = .connectDelayed
            case .connectRetried: self = .connectRetried
            case .listening: self = .listening
            case .bindFailed: self = .bindFailed
            case .accepted: self = .accepted
            case .acceptFailed: self = .acceptFailed
            case .closed: self = .closed
            case .closeFailed: self = .closeFailed
            case .disconnected: self = .disconnected
            case .monitorStopped: self = .monitorStopped
            case .handshakeFailedNoDetail: self = .handshakeFailedNoDetail
            case .handshakeSucceeded: self = .handshakeSucceeded
            case .handshakeFailedProtocol: self = .handshakeFailedProtocol
            case .handshakeFailedAuth: self = .handshakeFailedAuth
            default: self = .other(id)
            }
        }
    }

    /// What happened.
    public var kind: Kind

    /// The event's value: a file descriptor, an `errno`, or a retry interval, depending on ``kind``.
    public var value: Int32

    /// The endpoint the event is about, such as `tcp://127.0.0.1:5555`.
    public var endpoint: String

    /// Creates an event; useful for tests of code that consumes events.
    public init(kind: Kind, value: Int32, endpoint: String) {
        self.kind = kind
        self.value = value
        self.endpoint = endpoint
    }

    /// Parses libzmq's two frames: a 16-bit event id and a 32-bit value in
    /// native byte order, then the endpoint. Nil when the frames do not have that shape.
    init?(frames: [[UInt8]]) {
        guard frames.count == 2, frames[0].count >= 6 else { return nil }
        let (id, value) = frames[0].withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt16.self),
             raw.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        self.init(kind: Kind(id: id), value: Int32(bitPattern: value), endpoint: String(decoding: frames[1], as: UTF8.self))
    }

    /// The kind, endpoint and value, for logs.
    public var description: String {
        "\(kind) \(endpoint) (\(value))"
    }
}
