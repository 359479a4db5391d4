import CZeroMQ

/// A `zmq_msg_t` to receive frames of any size into, valid while the body given to ``withEmpty(_:)`` runs.
///
/// Its address stays fixed meanwhile, as libzmq needs (it keeps small messages inside the struct itself). It
/// lives on that call's stack rather than the heap: every message received needs one, and a heap block each
/// was one allocation per request.
struct ZMQMessage {
    private let message: UnsafeMutablePointer<zmq_msg_t>

    private init(_ message: UnsafeMutablePointer<zmq_msg_t>) {
        self.message = message
    }

    /// Runs `body` with an empty message, closed when `body` returns; do not keep the message past that.
    static func withEmpty<Result>(_ body: (ZMQMessage) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: zmq_msg_t.self, capacity: 1) { storage in
            let message = storage.baseAddress!
            // zmq_msg_init cannot fail.
            zmq_msg_init(message)
            defer { zmq_msg_close(message) }
            return try body(ZMQMessage(message))
        }
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
