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
    /// A WebSocket's message: in broker mode it goes to the process holding the WebSocket, never another, and
    /// is not counted against its concurrency; its origin hears `.dispatched` once the handler side has taken
    /// it, which paces the reading of the client.
    var webSocketMessage = false
}
