import Logging
import LurcherConfiguration
import NIOConcurrencyHelpers
import ZeroMQ

/// The dispatcher's state on the dispatch thread: every handler's dispatch.
///
/// Made and used only on that thread: the dispatcher holds it as a `ZMQLoopBound`, which checks so.
final class HandlerDispatches {
    private let configurations: [HandlerConfiguration]
    private let limits: Limits
    private let timeouts: Timeouts
    private let ids: ConnectionIDs
    private let logger: Logger
    private let connections: NIOLockedValueBox<[UInt64: ConnectionSink]>
    private let handlerReady: @Sendable (String, Int32?) -> Void
    private var dispatches: [any HandlerDispatch] = []
    /// The ZAP handler, when a handler has CURVE keys.
    private var authenticator: CurveAuthenticator?
    private var context: DispatchContext!

    init(
        handlers: [HandlerConfiguration], limits: Limits, timeouts: Timeouts, ids: ConnectionIDs, logger: Logger,
        connections: NIOLockedValueBox<[UInt64: ConnectionSink]>,
        handlerReady: @escaping @Sendable (String, Int32?) -> Void
    ) {
        configurations = handlers
        self.limits = limits
        self.timeouts = timeouts
        self.ids = ids
        self.logger = logger
        self.connections = connections
        self.handlerReady = handlerReady
    }

    /// Binds the sockets of every handler; runs on the dispatch thread before it starts polling.
    func setUp(loop: ZMQLoop, zmq: ZMQContext) throws {
        let context = DispatchContext(
            loop: loop, logger: logger, holdTimeout: timeouts.hold, maxHeld: limits.maxHeldRequests, ids: ids,
            connections: connections, handlerReady: handlerReady)
        context.heldEverywhere = { [unowned self] in dispatches.reduce(0) { $0 + $1.heldCount } }
        self.context = context
        let curved = configurations.filter { $0.curve != nil }
        if !curved.isEmpty {
            // Bound before the handlers' sockets, so that no handshake happens without it.
            authenticator = try CurveAuthenticator(
                allowed: Dictionary(uniqueKeysWithValues: curved.map { ($0.name, $0.curve!.allowedClients) }), zmq: zmq,
                loop: loop, logger: logger)
        }
        for (index, configuration) in configurations.enumerated() {
            switch configuration.dispatch {
            case .push(let recvSpec):
                dispatches.append(
                    try PushDispatch(index: index, configuration: configuration, recvSpec: recvSpec, zmq: zmq, context: context))
            case .broker(let broker):
                dispatches.append(
                    try BrokerDispatch(
                        index: index, configuration: configuration, broker: broker, replyTimeout: timeouts.reply, zmq: zmq, context: context))
            }
        }
    }

    func submit(_ request: HeldRequest, to index: Int) {
        dispatches[index].submit(request)
    }

    func connectionClosed(connectionID: UInt64, handlers: [Int], notify: Bool) {
        context.downloadCredits.forget(connectionID)
        for index in handlers { dispatches[index].connectionClosed(connectionID, notify: notify) }
    }

    /// A connection has written a flow-controlled handler's reply: the handler may send that much more.
    func downloadWritten(_ receipt: DownloadReceipt, connectionID: UInt64) {
        context.downloadCredits.written(receipt.bytes, for: connectionID)
        dispatches[receipt.handler].sendCredits(receipt.bytes, connectionID: connectionID, process: receipt.process)
    }

    func allowCurveClients(_ allowed: [String: [String]]) {
        for (name, keys) in allowed { authenticator?.allow(keys, handler: name) }
    }

    func webSocketOpened(connectionID: UInt64, handler index: Int) {
        dispatches[index].webSocketOpened(connectionID)
    }

    func processExited(handler: String, processID: Int32, stopped: Bool) {
        dispatches.first { $0.name == handler }?.processExited(processID, stopped: stopped)
    }

    func snapshot() -> [GatewayStatus.Handler] {
        dispatches.map { dispatch in
            var snapshot = dispatch.snapshot()
            snapshot.curveRefused = authenticator?.refused[dispatch.name] ?? 0
            return snapshot
        }
    }
}
