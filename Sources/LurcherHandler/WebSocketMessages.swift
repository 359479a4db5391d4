/// The messages of one WebSocket, from ``WebSocket/messages``: it ends when the WebSocket closes or the client
/// goes away, and throws `CancellationError` when the session's task is cancelled.
public struct WebSocketMessages: AsyncSequence, Sendable {
    public typealias Element = WebSocketMessage
    public typealias Failure = CancellationError

    let socket: WebSocket

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = WebSocketMessage
        public typealias Failure = CancellationError

        let socket: WebSocket

        public mutating func next() async throws(CancellationError) -> WebSocketMessage? {
            try await socket.nextMessage()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(socket: socket) }
}
