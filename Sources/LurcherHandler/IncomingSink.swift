/// Where a transport hands what it receives, on the loop thread.
///
/// A request that needs no ordering with other messages starts its task right there (`startRequest`) instead of
/// first waking the run loop's task to start it: one thread hop less per request. Everything else goes through
/// the stream, in order: events, and every message when the handler serves WebSockets, whose messages must reach
/// their session in the gateway's order.
struct IncomingSink: Sendable {
    let stream: AsyncStream<IncomingMessage>.Continuation
    /// Starts a request's task; nil sends requests through the stream too.
    let startRequest: (@Sendable (_ bytes: [UInt8], _ requestID: UInt64?) -> Void)?

    func yield(_ message: IncomingMessage) {
        if case .request(let bytes, let id) = message, let startRequest {
            startRequest(bytes, id)
        } else {
            stream.yield(message)
        }
    }

    /// Ends the stream; the transport hands nothing more.
    func finish() {
        stream.finish()
    }
}
