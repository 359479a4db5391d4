import Logging
import LurcherConfiguration

/// What every connection shares: routing, the dispatcher, the file responder, limits and the logger.
struct GatewayEnvironment: Sendable {
    let router: Router
    let handlerIdentities: [HandlerIdentity]
    let dispatcher: Dispatcher
    let files: StaticFileResponder
    let limits: Limits
    let timeouts: Timeouts
    let uploads: Uploads
    let logger: Logger
    let counters: GatewayCounters
}
