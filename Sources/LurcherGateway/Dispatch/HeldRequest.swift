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
}
