import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

extension ZMQSocket {
    /// Sends one frame. libzmq copies the bytes.
    ///
    /// - Parameters:
    ///   - more: more frames of the same message follow.
    ///   - dontWait: fail instead of blocking when the message cannot be queued.
    /// - Returns: false when the send would block (`EAGAIN`: with `dontWait`,
    ///   or when the send timeout expired); true once the frame is queued.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws -> Bool {
        let handle = try open("send")
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        let rc = bytes.withUnsafeBytes { buffer in
            zmq_send(handle, buffer.baseAddress, buffer.count, flags)
        }
        if rc >= 0 { return true }
        let error = ZMQError.last("send")
        if error.isWouldBlock { return false }
        throw error
    }

    /// Sends a multipart message.
    ///
    /// libzmq delivers messages atomically and applies the high-water mark per
    /// message, so only the first frame can block: when it would, nothing is
    /// sent and this returns false. Once the first frame is queued the rest
    /// follow; a failure after that throws.
    @discardableResult
    public func send(parts: [[UInt8]], dontWait: Bool = false) throws -> Bool {
        precondition(!parts.isEmpty, "a message has at least one frame")
        for (index, part) in parts.enumerated() {
            let more = index < parts.count - 1
            if try send(part, more: more, dontWait: dontWait) { continue }
            if index == 0 { return false }
            throw ZMQError(code: EAGAIN, operation: "send frame \(index + 1) of \(parts.count)")
        }
        return true
    }

    /// Receives one frame of any size.
    ///
    /// Returns nil when nothing is waiting (`EAGAIN`: with `dontWait`, or when
    /// the receive timeout expired). In a multipart message, each call returns
    /// the next frame; see ``receiveMultipart(dontWait:)``.
    public func receive(dontWait: Bool = false) throws -> [UInt8]? {
        let handle = try open("receive")
        return try ZMQMessage.withEmpty { message in
            guard try message.receive(from: handle, dontWait: dontWait, operation: "receive") else { return nil }
            return message.bytes
        }
    }

    /// Receives every frame of the next message, or nil when nothing is waiting.
    ///
    /// Messages arrive whole, so once the first frame is here the others are
    /// too and never block.
    public func receiveMultipart(dontWait: Bool = false) throws -> [[UInt8]]? {
        let handle = try open("receive")
        return try ZMQMessage.withEmpty { message in
            guard try message.receive(from: handle, dontWait: dontWait, operation: "receive") else { return nil }
            var parts = [message.bytes]
            while message.hasMore {
                guard try message.receive(from: handle, dontWait: true, operation: "receive frame \(parts.count + 1)") else {
                    throw ZMQError(code: EAGAIN, operation: "receive frame \(parts.count + 1)")
                }
                parts.append(message.bytes)
            }
            return parts
        }
    }
}
