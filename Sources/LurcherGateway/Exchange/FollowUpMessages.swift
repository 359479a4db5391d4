import LurcherProtocol

/// The fixed part of the messages that follow a request on its connection (a WebSocket's messages, a streamed
/// upload's pieces): the handler's sender, the connection id and the request's path, which each repeats.
struct FollowUpMessages: Sendable {
    let sendIdent: [UInt8]
    let connectionID: UInt64
    let path: [UInt8]

    /// One message with `headers` and `body`.
    func message(headers: RequestHeadersWriter, body: some Collection<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sendIdent.count + path.count + headers.framedCount + body.count + 32)
        WireRequest.append(sender: sendIdent, connectionID: connectionID, path: path, headers: headers, body: body, to: &bytes)
        return bytes
    }
}
