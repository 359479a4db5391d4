import LurcherConfiguration
import NIOCore
import NIOHTTP1
import NIOPosix

/// A connection to a backend, opened and used on one event loop.
final class BackendConnection {
    let channel: any Channel
    let handler: BackendConnectionHandler
    let counters: ProxyBackendCounters
    /// When it went back to the pool, for the idle expiry.
    fileprivate var idleSince = NIODeadline.now()

    fileprivate init(channel: any Channel, handler: BackendConnectionHandler, counters: ProxyBackendCounters) {
        self.channel = channel
        self.handler = handler
        self.counters = counters
    }

    func close() { channel.close(promise: nil) }
}

/// One event loop's keep-alive connections to the backends of proxy routes: at most
/// ``ProxyPoolConfiguration/maxIdleConnections`` idle per backend (past it the longest idle is closed), each closed
/// after ``ProxyPoolConfiguration/idleTimeout`` unused. One sweep task runs while any connection is idle, rather
/// than a timer per connection, since NIO cancels a timer by searching its whole heap.
final class BackendPool {
    private let eventLoop: any EventLoop
    private let configuration: ProxyPoolConfiguration
    private let connectTimeout: TimeAmount
    /// Idle connections by backend name, the most recently used last.
    private var idle: [String: [BackendConnection]] = [:]
    private var sweep: Scheduled<Void>?

    init(eventLoop: any EventLoop, configuration: ProxyPoolConfiguration, connectTimeout: Duration) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.connectTimeout = TimeAmount(connectTimeout)
    }

    /// The most recently used idle connection to `backend`, or else a new one, given to `completion` on this loop
    /// (at once for a kept one) with whether it was kept from an earlier request.
    func connection(
        to backend: ProxyTarget, _ completion: @escaping (Result<(BackendConnection, reused: Bool), any Error>) -> Void
    ) {
        eventLoop.assertInEventLoop()
        let name = backend.configuration.name
        while let connection = idle[name]?.popLast() {
            guard connection.channel.isActive else { continue }
            backend.counters.connectionsReused.add(1, ordering: .relaxed)
            completion(.success((connection, true)))
            return
        }
        // Everything below runs on this loop: the bootstrap's group is the loop itself.
        let handler = NIOLoopBound(BackendConnectionHandler(), eventLoop: eventLoop)
        let completion = NIOLoopBound(completion, eventLoop: eventLoop)
        let pool = NIOLoopBound(self, eventLoop: eventLoop)
        let counters = backend.counters
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Bytes after a 101 are the other protocol's, passed on when the codec is removed.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes)
                    try channel.pipeline.syncOperations.addHandler(handler.value)
                }
            }
            .connect(host: backend.configuration.host, port: backend.configuration.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    counters.connectionsOpened.add(1, ordering: .relaxed)
                    counters.connectionsOpen.add(1, ordering: .relaxed)
                    let connection = BackendConnection(channel: channel, handler: handler.value, counters: counters)
                    let forgotten = NIOLoopBound(connection, eventLoop: channel.eventLoop)
                    channel.closeFuture.whenComplete { _ in
                        counters.connectionsOpen.subtract(1, ordering: .relaxed)
                        pool.value.forget(forgotten.value, backend: name)
                    }
                    completion.value(.success((connection, false)))
                case .failure(let error):
                    completion.value(.failure(error))
                }
            }
    }

    /// Takes back a connection whose response ended and whose request was all sent, for the next request to the
    /// same backend.
    func release(_ connection: BackendConnection, backend: String) {
        eventLoop.assertInEventLoop()
        guard connection.channel.isActive, configuration.maxIdleConnections > 0 else {
            connection.close()
            return
        }
        connection.handler.user = nil
        connection.handler.resumeReads()
        connection.idleSince = .now()
        var connections = idle[backend] ?? []
        connections.append(connection)
        if connections.count > configuration.maxIdleConnections { connections.removeFirst().close() }
        idle[backend] = connections
        scheduleSweep()
    }

    private func forget(_ connection: BackendConnection, backend: String) {
        idle[backend]?.removeAll { $0 === connection }
    }

    /// How many connections are idle now, for tests.
    var idleCount: Int { idle.values.reduce(0) { $0 + $1.count } }

    private func scheduleSweep() {
        guard sweep == nil else { return }
        let timeout = TimeAmount(configuration.idleTimeout)
        let pool = NIOLoopBound(self, eventLoop: eventLoop)
        // Half the timeout apart, so no connection stays idle more than one and a half timeouts.
        sweep = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds / 2)) { pool.value.sweepExpired(timeout: timeout) }
    }

    private func sweepExpired(timeout: TimeAmount) {
        sweep = nil
        let cutoff = NIODeadline.now() - timeout
        for (backend, connections) in idle {
            let (expired, kept) = (connections.filter { $0.idleSince <= cutoff }, connections.filter { $0.idleSince > cutoff })
            idle[backend] = kept.isEmpty ? nil : kept
            for connection in expired { connection.close() }
        }
        if !idle.isEmpty { scheduleSweep() }
    }
}
