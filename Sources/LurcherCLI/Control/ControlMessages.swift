import LurcherGateway
import LurcherSupervisor

/// A command sent to a running gateway over its control socket, as one line of JSON.
struct ControlRequest: Codable, Sendable {
    /// `status`, `scale`, `restart`, `reload` or `stop`.
    var command: String
    /// The pool a `scale` or `restart` applies to; nil restarts every pool.
    var pool: String?
    /// For `scale`: `N`, `+N` or `-N`.
    var count: String?
}

/// The gateway's answer, as one JSON document.
struct ControlResponse: Codable, Sendable {
    var ok: Bool
    var error: String?
    var gateway: GatewayStatus?
    var pools: [PoolStatus]?
    var run: RunStatus?
    var sizes: [String: Int]?
    var restarts: [Supervisor.RestartReport]?
    /// What a `reload` changed in the pools.
    var reloaded: [Supervisor.PoolChange]?

    static func failure(_ message: String) -> ControlResponse { ControlResponse(ok: false, error: message) }
}
