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
    /// `no_clobber_xff`: handlers get the client's `x-forwarded-for` with the peer appended.
    let keepsForwardedFor: Bool
    let logger: Logger
    let counters: GatewayCounters
    /// The open connections and their figures, for the control port.
    let connections: ConnectionTable
    /// Where answered requests are reported; nil when nothing wants them (no access log, metrics or events).
    let operations: Operations?
    /// `redirect_to_https`: where plain-HTTP requests are sent; nil when they are answered.
    var httpsRedirect: HTTPSRedirect? = nil
    /// The backend connection pools of proxy routes.
    var proxies = ProxyPools()
}
