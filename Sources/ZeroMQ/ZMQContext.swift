import CZeroMQ

/// A libzmq context: the I/O threads and the `inproc://` namespace that sockets share.
///
/// Every socket keeps its context alive, so the context is terminated
/// (`zmq_ctx_term`) only when it and all its sockets are gone. Termination
/// waits for each closed socket's linger period: set a finite linger
/// (``ZMQSocket/setLinger(_:)``) on sockets that may hold unsent messages,
/// or the process can hang on exit.
// `@unchecked Sendable` is safe: libzmq documents contexts as thread-safe
// (zmq_socket, zmq_ctx_shutdown and friends may be called from any thread),
// and the only stored property is an immutable pointer to that context.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Creates a context with the given number of I/O threads.
    ///
    /// Creating a context only fails when memory is exhausted, which is not
    /// recoverable, so this traps instead of throwing.
    public init(ioThreads: Int = 1) {
        guard let handle = zmq_ctx_new() else {
            fatalError("zmq_ctx_new: \(ZMQError.last("create context").message)")
        }
        self.handle = handle
        precondition(ioThreads >= 0, "ioThreads must not be negative")
        // libzmq starts its I/O threads lazily, so setting this before the first socket takes effect.
        let rc = zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: ioThreads))
        precondition(rc == 0, "zmq_ctx_set(ZMQ_IO_THREADS): \(ZMQError.last("set io threads"))")
    }

    /// Shuts the context down (`zmq_ctx_shutdown`) without waiting.
    ///
    /// Blocking calls on its sockets, in any thread, return an error whose
    /// ``ZMQError/isTerminated`` is true, and later socket operations fail the
    /// same way. Owners should then close their sockets. Calling this more than
    /// once is harmless.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // Every socket retains its context, so none is open here; this waits
        // only for the linger of already-closed sockets.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
