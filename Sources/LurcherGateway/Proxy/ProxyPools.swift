import LurcherConfiguration
import NIOCore
import Synchronization

/// What proxy routes share across the gateway: each event loop's ``BackendPool``, made when the loop first needs
/// it, and every backend's counters.
final class ProxyPools: Sendable {
    let configuration: ProxyPoolConfiguration
    /// How long a backend connection may take to open (`timeouts.reply`, which then answers 504 anyway).
    let connectTimeout: Duration
    let backends: ProxyBackends
    private let pools = Mutex<[ObjectIdentifier: NIOLoopBound<BackendPool>]>([:])

    init(
        configuration: ProxyPoolConfiguration = .init(), connectTimeout: Duration = .seconds(60),
        backends: ProxyBackends = ProxyBackends()
    ) {
        self.configuration = configuration
        self.connectTimeout = connectTimeout
        self.backends = backends
    }

    /// The pool of `eventLoop`, which the caller runs on.
    func pool(on eventLoop: any EventLoop) -> BackendPool {
        let key = ObjectIdentifier(eventLoop)
        if let pool = pools.withLock({ $0[key] }) { return pool.value }
        let pool = BackendPool(eventLoop: eventLoop, configuration: configuration, connectTimeout: connectTimeout)
        pools.withLock { $0[key] = NIOLoopBound(pool, eventLoop: eventLoop) }
        return pool
    }
}
