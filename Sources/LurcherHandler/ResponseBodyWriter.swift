/// Writes a streamed response body, each write as its own chunk and its own
/// message to the gateway.
///
/// Get one from ``ResponseBody/stream(_:)`` or
/// ``HandlerConnection/stream(to:status:headers:_:)``.
public struct ResponseBodyWriter: Sendable {
    let connection: HandlerConnection
    let lifetime: RequestLifetime

    /// The connection the body goes to.
    public var connectionID: UInt64 { lifetime.connectionID }

    /// Sends `bytes` as one chunk; empty writes send nothing.
    ///
    /// Returns once the chunk is handed to ZeroMQ.
    ///
    /// - Throws: ``HandlerError`` `clientDisconnected` once the gateway has
    ///   said the client went away, `closed` after the connection shut down,
    ///   or `CancellationError` when the task is cancelled.
    public func write(_ bytes: some Collection<UInt8>) async throws {
        if lifetime.isDisconnected { throw HandlerError.clientDisconnected(lifetime.connectionID) }
        try Task.checkCancellation()
        guard !bytes.isEmpty else { return }
        try await connection.sendAwaitingHandOff(ChunkedEncoding.chunk(bytes), lifetime: lifetime)
    }

    /// Sends `text` in UTF-8 as one chunk; empty writes send nothing.
    public func write(_ text: String) async throws {
        try await write(text.utf8)
    }
}
