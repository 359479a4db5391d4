/// Where a request sent to a handler came from, and so where what becomes of it is told.
///
/// Both kinds carry an id from the same ``ConnectionIDs`` counter: it is the connection id the Mongrel2 message
/// carries and the handler's replies name, so no id ever stands for a job and a connection at once.
enum RequestOrigin: Sendable, Hashable {
    /// A client connection; `token` tells the connection which of its requests an event is about.
    case connection(id: UInt64, token: UInt64)
    /// A job from a broker-mode handler's job endpoint (``JobFrontend``).
    case job(id: UInt64)

    /// The connection id the Mongrel2 message carries (a job has one too), which the handler's replies name.
    var connectionID: UInt64 {
        switch self {
        case .connection(let id, _), .job(let id): id
        }
    }

    /// Whether this is a request of the client connection `id`.
    func isConnection(_ id: UInt64) -> Bool {
        if case .connection(id, _) = self { return true }
        return false
    }
}
