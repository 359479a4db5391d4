extension HandlerConnection {
    /// The most connection ids one reply may name: Mongrel2 1.12 skips a reply with more (`limits.handler_targets`).
    static let maxReplyTargets = 128

    /// Sends `message` to every open socket in `sockets`, framed once, in as few replies as the gateway takes:
    /// one for each 128 connections of the same gateway. Returns once they are handed to ZeroMQ.
    ///
    /// ```swift
    /// try await connection.broadcast(.text("\(name) joined"), to: room)
    /// ```
    ///
    /// Sockets that have closed are left out; one that closes meanwhile costs nothing but the gateway's
    /// disconnect notice.
    ///
    /// - Parameter fragmentSize: as for ``WebSocket/send(_:fragmentSize:)``.
    /// - Throws: ``HandlerError`` `closed` after the connection has shut down.
    public func broadcast(
        _ message: WebSocketMessage, to sockets: some Sequence<WebSocket>, fragmentSize: Int? = nil
    ) async throws(HandlerError) {
        let recipients = sockets.filter(\.isOpen).map { WebSocketKey(sender: $0.sender, connectionID: $0.connectionID) }
        guard !recipients.isEmpty else { return }
        for reply in Self.broadcastReplies(WebSocketFrame.message(message, fragmentSize: fragmentSize), to: recipients) {
            try await handOff(reply)
        }
    }

    /// The reply messages that carry `body` to `recipients`: one for each sender, split every 128 ids.
    static func broadcastReplies(_ body: [UInt8], to recipients: [WebSocketKey]) -> [[UInt8]] {
        var senders: [String] = []
        var idsBySender: [String: [UInt64]] = [:]
        for recipient in recipients {
            if idsBySender[recipient.sender] == nil { senders.append(recipient.sender) }
            idsBySender[recipient.sender, default: []].append(recipient.connectionID)
        }
        return senders.flatMap { sender in
            let ids = idsBySender[sender]!
            return stride(from: 0, to: ids.count, by: maxReplyTargets).map { start in
                wireReply(body, to: Array(ids[start..<min(start + maxReplyTargets, ids.count)]), sender: sender)
            }
        }
    }
}
