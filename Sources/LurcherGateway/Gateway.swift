import Logging
import LurcherConfiguration
import LurcherOperations
import NIOCore
import NIOPosix
import Synchronization

/// The HTTP front end: accepts clients, routes their requests, and answers them from files or handlers.
///
/// ```swift
/// let gateway = try await Gateway.start(configuration: configuration, logger: logger)
/// print(gateway.localAddress)
/// try await gateway.shutdown()
/// ```
public final class Gateway: Sendable {
    /// The address the server is listening on (with the real port when the configuration asked for port 0).
    public let localAddress: SocketAddress
    /// The HTTPS listener's address, with the real port; nil without `[tls]`.
    public var tlsAddress: SocketAddress? { tls?.channel.localAddress }

    private let channel: any Channel
    /// The HTTPS listener, whose certificates a reload replaces.
    let tls: TLSListener?
    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    let dispatcher: Dispatcher
    let counters: GatewayCounters
    private let connections: ConnectionTable
    private let http2Connections: HTTP2Connections
    private let draining = Atomic<Bool>(false)
    let logger: Logger
    /// The routes in use; a reload replaces them.
    let routes: RoutingTable
    /// Handler names to the dispatcher's indices, fixed for the gateway's life.
    let handlerIndex: [String: Int]
    /// The counters of proxy routes' backends, kept across reloads.
    let proxyBackends: ProxyBackends

    private init(
        channel: any Channel, group: MultiThreadedEventLoopGroup, threadPool: NIOThreadPool, dispatcher: Dispatcher,
        counters: GatewayCounters, connections: ConnectionTable, logger: Logger, routes: RoutingTable,
        handlerIndex: [String: Int], tls: TLSListener?, http2Connections: HTTP2Connections, proxyBackends: ProxyBackends
    ) {
        self.proxyBackends = proxyBackends
        self.tls = tls
        self.http2Connections = http2Connections
        self.connections = connections
        self.routes = routes
        self.handlerIndex = handlerIndex
        self.counters = counters
        self.channel = channel
        self.localAddress = channel.localAddress!
        self.group = group
        self.threadPool = threadPool
        self.dispatcher = dispatcher
        self.logger = logger
    }

    /// Binds the handlers' ZeroMQ sockets and the HTTP listener (and the HTTPS one, with `[tls]`), and starts serving.
    /// - Parameters:
    ///   - operations: where answered requests are reported (access log, metrics, events).
    ///   - handlerReady: called with a handler's name (and the process id, when the handler says it) each
    ///     time one of its processes can take requests.
    /// - Throws: ``GatewayError`` when an endpoint or a listening address cannot be bound, or a certificate file
    ///   cannot be used.
    public static func start(
        configuration: GatewayConfiguration, logger: Logger, operations: Operations? = nil,
        handlerReady: @escaping @Sendable (String, Int32?) -> Void = { _, _ in }
    ) async throws -> Gateway {
        let handlerConfigurations = configuration.handlers.values.sorted { $0.name < $1.name }
        var handlerIndex: [String: Int] = [:]
        for (index, handler) in handlerConfigurations.enumerated() { handlerIndex[handler.name] = index }

        let connectionIDs = ConnectionIDs()
        let dispatcher = try Dispatcher(
            handlers: handlerConfigurations, limits: configuration.server.limits, timeouts: configuration.server.timeouts,
            ids: connectionIDs, logger: logger, handlerReady: handlerReady)
        let counters = GatewayCounters()
        let connections = ConnectionTable()
        let http2Connections = HTTP2Connections()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()

        let proxyBackends = ProxyBackends()
        let routes = RoutingTable(Router(configuration: configuration, handlerIndex: handlerIndex, proxyBackends: proxyBackends))
        var environment = GatewayEnvironment(
            router: routes,
            handlerIdentities: handlerConfigurations.map {
                HandlerIdentity(
                    sendIdent: Array($0.sendIdent.utf8), encoding: $0.headerEncoding,
                    finishesWebSocketMessages: $0.dispatch.recvSpec == nil, streamsUploads: $0.uploadStream,
                    downloadFlowControl: $0.downloadFlowControl)
            },
            dispatcher: dispatcher,
            files: StaticFileResponder(threadPool: threadPool),
            limits: configuration.server.limits,
            timeouts: configuration.server.timeouts,
            uploads: configuration.server.uploads,
            keepsForwardedFor: configuration.server.noClobberForwardedFor,
            logger: logger,
            counters: counters,
            connections: connections,
            http2Connections: http2Connections,
            trustedProxies: configuration.server.trustedProxies,
            operations: operations?.recordsRequests == true ? operations : nil,
            proxies: ProxyPools(
                configuration: configuration.proxy, connectTimeout: configuration.server.timeouts.reply, backends: proxyBackends))

        let server = configuration.server
        var tls: TLSListener?
        do {
            if let tlsConfiguration = configuration.tls {
                let serving = try TLSServing(tlsConfiguration, hosts: configuration.hosts, offersHTTP2: configuration.server.offersHTTP2)
                do {
                    tls = try await TLSListener.bind(
                        tlsConfiguration, serving: serving, group: group, environment: environment,
                        connectionIDs: connectionIDs, fileIO: NonBlockingFileIO(threadPool: threadPool))
                } catch {
                    throw GatewayError.cannotListen(
                        key: "tls.listen", address: "\(tlsConfiguration.listenHost):\(tlsConfiguration.listenPort)",
                        underlying: "\(error)")
                }
                if server.redirectsToHTTPS, let port = tls?.channel.localAddress?.port {
                    environment.httpsRedirect = HTTPSRedirect(port: port)
                }
            }
            let plainEnvironment = environment
            let fileIO = NonBlockingFileIO(threadPool: threadPool)
            let bootstrap = listenerBootstrap(group: group, maxConnections: server.limits.maxConnections, counters: counters) { channel in
                let connectionID = connectionIDs.next()
                let operations = channel.pipeline.syncOperations
                let http1 = {
                    try operations.addHandler(
                        HTTP1ConnectionHandler(
                            connectionID: connectionID, remoteAddress: channel.remoteAddress?.ipAddress ?? "",
                            fileDescriptor: channel.fileDescriptor, environment: plainEnvironment))
                }
                guard server.acceptsCleartextHTTP2 else { return try http1() }
                try operations.addHandler(
                    HTTP2PrefaceSniffer { http2 in
                        guard http2 else { return try http1() }
                        try HTTP2ConnectionSetup.configure(
                            channel, environment: plainEnvironment, security: .plain, nextStreamID: { connectionIDs.next() },
                            fileIO: fileIO)
                    })
            }
            let channel: any Channel
            do {
                channel = try await bootstrap.bind(host: server.listenHost, port: server.listenPort).get()
            } catch {
                throw GatewayError.cannotListen(
                    key: "server.listen", address: "\(server.listenHost):\(server.listenPort)", underlying: "\(error)")
            }
            return Gateway(
                channel: channel, group: group, threadPool: threadPool, dispatcher: dispatcher, counters: counters,
                connections: connections, logger: logger, routes: routes, handlerIndex: handlerIndex, tls: tls,
                http2Connections: http2Connections, proxyBackends: proxyBackends)
        } catch {
            try? await tls?.channel.close()
            dispatcher.shutdown()
            try? await group.shutdownGracefully()
            try? await threadPool.shutdownGracefully()
            if let error = error as? TLSSetupError { throw GatewayError.tls(error) }
            throw error
        }
    }

    /// A listener's bootstrap: at most `maxConnections` open at once (``ConnectionLimiter``), each set up by
    /// `initialize`, which adds the connection's handlers.
    static func listenerBootstrap(
        group: any EventLoopGroup, maxConnections: Int, counters: GatewayCounters, initialize: @escaping @Sendable (any Channel) throws -> Void
    ) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionLimiter(maximum: maxConnections, counters: counters))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initialize(channel) }
            }
    }

    /// Connections, requests in flight, and each handler's side of the dispatcher.
    public func status() async -> GatewayStatus {
        GatewayStatus(
            openConnections: counters.openConnections.load(ordering: .relaxed),
            inFlight: counters.inFlight.value,
            clientsTooSlowToSend: counters.clientsTooSlowToSend.load(ordering: .relaxed),
            clientsTooSlowToRead: counters.clientsTooSlowToRead.load(ordering: .relaxed),
            webSockets: GatewayStatus.WebSockets(
                open: counters.openWebSockets.load(ordering: .relaxed),
                messagesReceived: counters.webSocketMessagesReceived.load(ordering: .relaxed),
                framesSent: counters.webSocketFramesSent.load(ordering: .relaxed),
                violations: counters.webSocketViolations.load(ordering: .relaxed)),
            tls: tls.map { _ in
                GatewayStatus.TLS(
                    handshakes: counters.tlsHandshakes.load(ordering: .relaxed),
                    failures: counters.tlsFailures.load(ordering: .relaxed),
                    reloads: counters.tlsReloads.load(ordering: .relaxed))
            },
            http2: GatewayStatus.HTTP2(
                open: counters.openHTTP2Connections.load(ordering: .relaxed),
                streams: counters.http2Streams.load(ordering: .relaxed),
                violations: counters.http2Violations.load(ordering: .relaxed)),
            handlers: await dispatcher.snapshot(),
            proxies: proxyBackends.statuses)
    }

    /// Every open client connection with its figures, in id order (the control port's `status what=net`).
    public func connectionStatuses() async -> [ConnectionStatus] {
        await connections.snapshot()
    }

    /// Closes the client connection with `id` as though the client had gone: the handlers that had its
    /// requests get a disconnect notice (the control port's `kill`).
    /// - Returns: whether a connection with that id was open.
    public func closeConnection(id: UInt64) -> Bool {
        connections.close(id: id)
    }

    /// Client headers removed since the gateway started because they would pass for the gateway's own
    /// (`x-mongrel2-*` and the capitalised keys), for the metrics.
    public var reservedHeadersRemoved: Int { counters.reservedHeadersRemoved.load(ordering: .relaxed) }

    /// Tells the gateway that a handler process it was given has exited, so that in broker mode the requests
    /// that process held are sent to another or answered at once, rather than waiting for heartbeats to lapse.
    /// - Parameter stopped: the supervisor stopped it (a restart, a scale-down), rather than it dying; its
    ///   WebSockets then close with 1012, so that clients reconnect.
    public func handlerProcessExited(handler: String, processID: Int32, stopped: Bool = false) {
        dispatcher.processExited(handler: handler, processID: processID, stopped: stopped)
    }

    /// Whether ``drain(timeout:)`` has begun: the gateway takes no new clients (the admin listener's `/health`).
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Stops accepting connections, then waits up to `timeout` for the requests in flight to be answered:
    /// it returns as soon as the last one is. Open connections are not closed, so their answers can still be
    /// written; HTTP/2 connections are sent GOAWAY, and close once their streams are answered; open WebSockets are sent close 1001 (going away), so their clients know to reconnect.
    public func drain(timeout: Duration) async {
        draining.store(true, ordering: .relaxed)
        try? await channel.close()
        try? await tls?.channel.close()
        http2Connections.quiesce()
        let left = await counters.inFlight.waitUntilZero(timeout: timeout)
        if left > 0 { logger.warning("stopping with requests still unanswered", metadata: ["requests": "\(left)"]) }
        dispatcher.gatewayStopping()
    }

    /// Stops accepting, closes every connection, and stops the dispatch thread.
    public func shutdown() async throws {
        try? await channel.close()
        try? await tls?.channel.close()
        try await group.shutdownGracefully()
        dispatcher.shutdown()
        try await threadPool.shutdownGracefully()
    }
}
