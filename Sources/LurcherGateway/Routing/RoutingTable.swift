import Synchronization

/// The router every connection routes through, replaced whole when the configuration is reloaded.
///
/// A request is routed by whichever router is current when its head is complete, so connections that stay
/// open across a reload see the new routes from their next request on.
final class RoutingTable: Sendable {
    private let current: Mutex<Router>

    init(_ router: Router) {
        current = Mutex(router)
    }

    /// Replaces the router; requests already routed are not affected.
    func replace(with router: Router) {
        current.withLock { $0 = router }
    }

    /// Routes with the current router (see ``Router/route(host:path:)``).
    func route(host: some Collection<UInt8>, path: some Collection<UInt8>) -> Router.Match? {
        let router = current.withLock { $0 }
        return router.route(host: host, path: path)
    }
}
