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
}
