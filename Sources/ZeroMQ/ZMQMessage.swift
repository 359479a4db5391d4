import CZeroMQ

/// An owned `zmq_msg_t`, used to receive frames of any size.
///
/// The `zmq_msg_t` lives on the heap so its address stays fixed: libzmq keeps
/// small messages inside the struct itself.
struct ZMQMessage: ~Copyable {
    private let message: UnsafeMutablePointer<zmq_msg_t>

    init() {
        message = .allocate(capacity: 1)
        // zmq_msg_init cannot fail.
        zmq_msg_init(message)
    }

    deinit {
        zmq_msg_close(message)
        message.deallocate()
    }

    /// Receives the next frame into this message, releasing what it held before.
    /// Returns false on `EAGAIN`.
    func receive(from socket: UnsafeMutableRawPointer, dontWait: Bool, operation: @autoclosure () -> String) throws -> Bool {
        if zmq_msg_recv(message, socket, dontWait ? ZMQ_DONTWAIT : 0) >= 0 { return true }
        let error = ZMQError.last(operation())
        if error.isWouldBlock { return false }
        throw error
    }

    /// A copy of the frame's bytes.
    var bytes: [UInt8] {
        let count = zmq_msg_size(message)
        guard count > 0, let data = zmq_msg_data(message) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: data, count: count))
    }

    /// Whether more frames of the same message follow.
    var hasMore: Bool {
        zmq_msg_more(message) != 0
    }
}
