import CZeroMQ

extension ZMQSocket {
    /// Sets an integer option (`zmq_setsockopt` with an `int`).
    public func setOption(_ option: Int32, int value: Int32) throws {
        var value = value
        try check(
            zmq_setsockopt(try open("set option \(option)"), option, &value, MemoryLayout<Int32>.size),
            "set option \(option) to \(value)"
        )
    }

    /// Sets a binary option (`zmq_setsockopt` with a byte buffer).
    public func setOption(_ option: Int32, bytes: [UInt8]) throws {
        let handle = try open("set option \(option)")
        try bytes.withUnsafeBytes { buffer in
            try check(zmq_setsockopt(handle, option, buffer.baseAddress, buffer.count), "set option \(option)")
        }
    }

    /// Reads an integer option (`zmq_getsockopt` with an `int`).
    public func intOption(_ option: Int32) throws -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try check(zmq_getsockopt(try open("get option \(option)"), option, &value, &size), "get option \(option)")
        return value
    }

    /// Reads a binary option of at most `capacity` bytes.
    public func bytesOption(_ option: Int32, capacity: Int = 256) throws -> [UInt8] {
        let handle = try open("get option \(option)")
        var size = capacity
        var bytes = [UInt8](repeating: 0, count: capacity)
        try bytes.withUnsafeMutableBytes { buffer in
            try check(zmq_getsockopt(handle, option, buffer.baseAddress, &size), "get option \(option)")
        }
        bytes.removeSubrange(size...)
        return bytes
    }

    /// How long unsent messages are kept after ``close()`` (`ZMQ_LINGER`); nil keeps them forever.
    ///
    /// libzmq's default is forever, which makes context termination wait for
    /// peers that may never come back.
    public func setLinger(_ linger: Duration?) throws {
        try setOption(ZMQ_LINGER, int: Int32(milliseconds: linger))
    }

    /// The most messages queued for sending per peer (`ZMQ_SNDHWM`); 0 means no limit.
    public func setSendHighWaterMark(_ messages: Int32) throws {
        try setOption(ZMQ_SNDHWM, int: messages)
    }

    /// On a PUB socket, refuses a send (EAGAIN) instead of silently dropping it when a subscriber's queue is at
    /// its high-water mark (`ZMQ_XPUB_NODROP`), so the sender can count what is lost.
    public func setNoDrop(_ on: Bool) throws {
        try setOption(ZMQ_XPUB_NODROP, int: on ? 1 : 0)
    }

    /// The most messages queued for receiving per peer (`ZMQ_RCVHWM`); 0 means no limit.
    public func setReceiveHighWaterMark(_ messages: Int32) throws {
        try setOption(ZMQ_RCVHWM, int: messages)
    }

    /// On a SUB socket, receives messages that start with `prefix` (`ZMQ_SUBSCRIBE`); empty means all.
    public func subscribe(_ prefix: [UInt8] = []) throws {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix)
    }

    /// On a SUB socket, removes one earlier ``subscribe(_:)`` of the same prefix (`ZMQ_UNSUBSCRIBE`).
    public func unsubscribe(_ prefix: [UInt8] = []) throws {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: prefix)
    }

    /// The identity a ROUTER peer sees for this socket (`ZMQ_ROUTING_ID`, formerly `ZMQ_IDENTITY`).
    ///
    /// Set it before connecting; 1 to 255 bytes, not starting with a zero byte.
    public func setRoutingID(_ id: [UInt8]) throws {
        try setOption(ZMQ_ROUTING_ID, bytes: id)
    }

    /// The routing id set with ``setRoutingID(_:)``, empty if none.
    public func routingID() throws -> [UInt8] {
        try bytesOption(ZMQ_ROUTING_ID, capacity: 255)
    }

    /// On a ROUTER, makes a send to an unknown peer fail with `EHOSTUNREACH`
    /// instead of dropping the message silently (`ZMQ_ROUTER_MANDATORY`).
    public func setRouterMandatory(_ on: Bool) throws {
        try setOption(ZMQ_ROUTER_MANDATORY, int: on ? 1 : 0)
    }

    /// Queues messages only to completed connections (`ZMQ_IMMEDIATE`), so a
    /// send with no connected peer would block instead of queueing for a peer
    /// that is still connecting.
    public func setImmediate(_ on: Bool) throws {
        try setOption(ZMQ_IMMEDIATE, int: on ? 1 : 0)
    }

    /// How long a blocking send waits before giving up (`ZMQ_SNDTIMEO`); nil waits forever.
    public func setSendTimeout(_ timeout: Duration?) throws {
        try setOption(ZMQ_SNDTIMEO, int: Int32(milliseconds: timeout))
    }

    /// How long a blocking receive waits before giving up (`ZMQ_RCVTIMEO`); nil waits forever.
    public func setReceiveTimeout(_ timeout: Duration?) throws {
        try setOption(ZMQ_RCVTIMEO, int: Int32(milliseconds: timeout))
    }

    /// ZMTP heartbeats (`ZMQ_HEARTBEAT_IVL`, `_TIMEOUT`, `_TTL`): ping every
    /// `interval`, drop the connection when no traffic arrives within `timeout`
    /// (libzmq defaults it to `interval`), and ask the peer to drop it after `ttl`.
    public func setHeartbeat(interval: Duration, timeout: Duration? = nil, ttl: Duration? = nil) throws {
        try setOption(ZMQ_HEARTBEAT_IVL, int: Int32(milliseconds: interval))
        if let timeout { try setOption(ZMQ_HEARTBEAT_TIMEOUT, int: Int32(milliseconds: timeout)) }
        if let ttl { try setOption(ZMQ_HEARTBEAT_TTL, int: Int32(milliseconds: ttl)) }
    }

    /// The largest message a peer may send (`ZMQ_MAXMSGSIZE`); a peer that sends a larger one is disconnected
    /// before the message is taken in. nil for no limit.
    public func setMaximumMessageSize(_ bytes: Int?) throws {
        var value = Int64(bytes ?? -1)
        try check(
            zmq_setsockopt(try open("set ZMQ_MAXMSGSIZE"), ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size),
            "set ZMQ_MAXMSGSIZE to \(value)")
    }

    /// Whether TCP endpoints may use IPv6 (`ZMQ_IPV6`).
    public func setIPv6(_ on: Bool) throws {
        try setOption(ZMQ_IPV6, int: on ? 1 : 0)
    }
}
