import LurcherConfiguration
import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin listener: answers `GET /metrics` with the Prometheus text format, and `GET /health` with 200 while
/// the gateway serves and 503 once it drains (for a load balancer's health check), apart from the public listener
/// so that neither is exposed to clients by a route.
public final class AdminServer: Sendable {
    /// The address it listens on, with the real port when the configuration asked for port 0.
    public let localAddress: SocketAddress
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        localAddress = channel.localAddress!
    }

    /// Starts listening.
    /// - Parameters:
    ///   - snapshot: reads the levels and totals kept elsewhere; called on every scrape.
    ///   - draining: whether the gateway has begun to stop; called for each `GET /health`.
    public static func start(
        configuration: AdminConfiguration, group: any EventLoopGroup, metrics: GatewayMetrics,
        snapshot: @escaping @Sendable () async -> OperationsSnapshot, draining: @escaping @Sendable () -> Bool
    ) async throws -> AdminServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(metrics: metrics, snapshot: snapshot, draining: draining))
                }
            }
            .bind(host: configuration.listenHost, port: configuration.listenPort).get()
        return AdminServer(channel: channel)
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }
}

/// Answers one admin connection's requests.
private final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: GatewayMetrics
    private let snapshot: @Sendable () async -> OperationsSnapshot
    private let draining: @Sendable () -> Bool
    private var head: HTTPRequestHead?

    init(
        metrics: GatewayMetrics, snapshot: @escaping @Sendable () async -> OperationsSnapshot,
        draining: @escaping @Sendable () -> Bool
    ) {
        self.metrics = metrics
        self.snapshot = snapshot
        self.draining = draining
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard path == "/metrics" || path == "/health" else {
            return respond(
                .notFound, body: "not found: the admin listener serves GET /metrics and GET /health\n", head: head,
                context: context)
        }
        guard head.method == .GET || head.method == .HEAD else {
            return respond(.methodNotAllowed, body: "use GET\n", head: head, context: context)
        }
        if path == "/health" {
            let draining = self.draining()
            return respond(draining ? .serviceUnavailable : .ok, body: draining ? "draining\n" : "serving\n", head: head, context: context)
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let metrics = self.metrics
        let snapshot = self.snapshot
        Task {
            metrics.update(await snapshot())
            let text = metrics.registry.emitToBuffer()
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.respond(
                    .ok, body: text, contentType: "text/plain; version=0.0.4; charset=utf-8", head: head, context: context)
            }
        }
    }

    private func respond(
        _ status: HTTPResponseStatus, body: some Collection<UInt8>, contentType: String = "text/plain; charset=utf-8",
        head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.count))])
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    private func respond(_ status: HTTPResponseStatus, body: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        respond(status, body: Array(body.utf8), head: head, context: context)
    }
}
