import Logging
import LurcherConfiguration
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

    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let dispatcher: Dispatcher
    private let logger: Logger

    private init(
        channel: any Channel, group: MultiThreadedEventLoopGroup, threadPool: NIOThreadPool, dispatcher: Dispatcher,
        logger: Logger
    ) {
        self.channel = channel
        self.localAddress = channel.localAddress!
        self.group = group
        self.threadPool = threadPool
        self.dispatcher = dispatcher
        self.logger = logger
    }

    /// Binds the handlers' ZeroMQ sockets and the HTTP listener, and starts serving.
    /// - Throws: ``GatewayError`` when an endpoint or the listening address cannot be bound.
    public static func start(configuration: GatewayConfiguration, logger: Logger) async throws -> Gateway {
        let handlerConfigurations = configuration.handlers.values.sorted { $0.name < $1.name }
        var handlerIndex: [String: Int] = [:]
        for (index, handler) in handlerConfigurations.enumerated() { handlerIndex[handler.name] = index }

        let dispatcher = try Dispatcher(
            handlers: handlerConfigurations, limits: configuration.server.limits, timeouts: configuration.server.timeouts,
            logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()

        let environment = GatewayEnvironment(
            router: Router(configuration: configuration, handlerIndex: handlerIndex),
            handlerIdentities: handlerConfigurations.map {
                HandlerIdentity(sendIdent: Array($0.sendIdent.utf8), encoding: $0.headerEncoding)
            },
            dispatcher: dispatcher,
            files: StaticFileResponder(threadPool: threadPool),
            limits: configuration.server.limits,
            replyTimeout: configuration.server.timeouts.reply,
            logger: logger)
        let connectionIDs = ConnectionIDs()

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = HTTPConnectionHandler(
                        connectionID: connectionIDs.next(),
                        remoteAddress: channel.remoteAddress?.ipAddress ?? "",
                        environment: environment)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let server = configuration.server
        do {
            let channel = try await bootstrap.bind(host: server.listenHost, port: server.listenPort).get()
            return Gateway(channel: channel, group: group, threadPool: threadPool, dispatcher: dispatcher, logger: logger)
        } catch {
            dispatcher.shutdown()
            try? await group.shutdownGracefully()
            try? await threadPool.shutdownGracefully()
            throw GatewayError.cannotListen(address: "\(server.listenHost):\(server.listenPort)", underlying: "\(error)")
        }
    }

    /// Stops accepting, closes every connection, and stops the transport thread.
    public func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
        dispatcher.shutdown()
        try await threadPool.shutdownGracefully()
    }
}

/// Connection ids: a counter that only increases, as Mongrel2's do, so an id is never reused for another client.
final class ConnectionIDs: Sendable {
    private let counter = Atomic<UInt64>(0)

    func next() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
