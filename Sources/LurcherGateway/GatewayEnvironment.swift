import Logging
import LurcherConfiguration
import LurcherOperations

/// What every connection shares: routing, the dispatcher, the file responder, limits and the logger.
struct GatewayEnvironment: Sendable {
    let router: RoutingTable
    let handlerIdentities: [HandlerIdentity]
    let dispatcher: Dispatcher
    let files: StaticFileResponder
    let limits: Limits
    let timeouts: Timeouts
    let uploads: Uploads
    /// `no_clobber_xff`: every peer's forwarding headers are believed, as Mongrel2 does.
    let keepsForwardedFor: Bool
    let logger: Logger
    let counters: GatewayCounters
    /// The open connections and their figures, for the control port.
    let connections: ConnectionTable
    /// The open HTTP/2 connections, which a graceful stop sends GOAWAY.
    var http2Connections = HTTP2Connections()
    /// `trusted_proxies`: the peers whose forwarding headers are believed.
    var trustedProxies = TrustedProxies()

    /// Whether requests from `peer` keep their `X-Forwarded-For` (appended to), `X-Forwarded-Proto` and
    /// `Forwarded`: with `no_clobber_xff`, or from a trusted proxy. From any other peer handlers get
    /// `x-forwarded-for` as the peer alone, and neither of the others.
    func trustsForwarding(from peer: String) -> Bool {
        keepsForwardedFor || trustedProxies.contains(peer)
    }
    /// Where answered requests are reported; nil when nothing wants them (no access log, metrics or events).
    let operations: Operations?
    /// `redirect_to_https`: where plain-HTTP requests are sent; nil when they are answered.
    var httpsRedirect: HTTPSRedirect? = nil
    /// The backend connection pools of proxy routes.
    var proxies = ProxyPools()
}
