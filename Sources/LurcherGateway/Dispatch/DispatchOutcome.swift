/// What became of a request on its way to a handler, told to its origin (``DispatchContext/report(_:for:jobs:)``).
enum DispatchOutcome {
    /// It had been held and has now been sent to a handler.
    case dispatched
    /// It is a WebSocket message that has to wait for a handler (push mode): its origin stops reading until it
    /// is dispatched.
    case held
    /// No handler took it within the hold timeout, or too many requests were held already.
    case unavailable
    /// The handler process holding it went away before answering, and it could not be sent to another.
    case handlerLost

    /// The event that tells a client connection, about its request with `token`.
    func event(token: UInt64) -> DispatcherEvent {
        switch self {
        case .dispatched: .dispatched(token: token)
        case .held: .held(token: token)
        case .unavailable: .unavailable(token: token)
        case .handlerLost: .handlerLost(token: token)
        }
    }
}
