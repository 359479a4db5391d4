import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// An error reported by libzmq, with the operation that failed.
///
/// The operation names what was being done, and to what, so that a log line
/// reads on its own: `bind tcp://127.0.0.1:5555: Address already in use`.
public struct ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The `errno` value libzmq reported (libzmq's own codes such as `ETERM` included).
    public let code: Int32

    /// What was being done when the error happened, such as `bind tcp://127.0.0.1:5555`.
    public let operation: String

    /// Creates an error from an `errno` value and the operation that failed.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libzmq's text for the error code (`zmq_strerror`).
    public var message: String {
        String(cString: zmq_strerror(code))
    }

    /// `operation: message`, such as `bind tcp://127.0.0.1:5555: Address already in use`.
    public var description: String {
        "\(operation): \(message)"
    }

    /// The operation would have blocked (`EAGAIN`), or a send/receive timeout expired.
    public var isWouldBlock: Bool { code == EAGAIN }

    /// The context was shut down or terminated (`ETERM`); the socket should be closed.
    public var isTerminated: Bool { code == ETERM }

    /// A signal interrupted a blocking call (`EINTR`); it is usually safe to retry.
    public var isInterrupted: Bool { code == EINTR }

    /// The error for the current `zmq_errno()`.
    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation())
    }
}
