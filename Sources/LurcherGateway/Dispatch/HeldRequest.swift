/// A request on its way to a handler, possibly waiting for one.
struct HeldRequest: Sendable {
    var origin: RequestOrigin
    var message: [UInt8]
    /// When it stops waiting for a handler (and its origin is told it is unavailable).
    var deadline: ContinuousClock.Instant
    /// Safe to send to another process if the one holding it dies.
    var retriable: Bool
    /// It has been sent again once already.
    var redispatched = false
    /// A WebSocket's message: in broker mode it goes to the process holding the WebSocket, never another, is not
    /// counted against its concurrency, and its origin hears `.dispatched` once the process has finished it; in
    /// push mode its origin hears `.held` if it has to wait. That paces the reading of the client.
    var webSocketMessage = false
    /// Part of a streamed upload: in broker mode its later pieces go to the process that took its first message.
    var streamedUpload: StreamedUploadPart? = nil
}

/// Which message of a streamed upload a ``HeldRequest`` is.
enum StreamedUploadPart: Sendable {
    /// The first, with the headers: a request like any other, never sent again once a process has had it.
    case start
    /// A later piece: broker mode sends it to the process holding the upload, outside its concurrency, and
    /// expects no DONE for it; push mode sends it like any message.
    case piece
}
