import LurcherGateway
import LurcherOperations
import LurcherSupervisor

extension OperationsSnapshot {
    /// The metrics' view of what `lurcher ctl status` reports, plus the totals kept for the metrics alone.
    init(gateway: Gateway, supervisor: Supervisor, operations: Operations) async {
        let status = await gateway.status()
        let dropped = operations.dropped
        self.init(
            openConnections: status.openConnections, inFlight: status.inFlight,
            handlers: status.handlers.map { Handler(name: $0.name, connected: $0.connected, held: $0.held) },
            pools: await supervisor.status().map {
                Pool(name: $0.name, processes: $0.processes.count, crashRestarts: $0.crashes, rollingRestarts: $0.generation - 1)
            },
            zeroMQSendFailures: gateway.zeroMQSendFailures, eventsDropped: dropped.events, accessLogDropped: dropped.accessLog,
            reservedHeadersRemoved: gateway.reservedHeadersRemoved)
        openWebSockets = status.webSockets.open
        webSocketMessagesReceived = status.webSockets.messagesReceived
        webSocketFramesSent = status.webSockets.framesSent
        tlsFailures = status.tls?.failures ?? 0
        proxyBackends = status.proxies.map {
            ProxyBackend(
                name: $0.name, requests: $0.requests, badGateway: $0.badGateway, timedOut: $0.timedOut, cutShort: $0.cutShort,
                connectionsOpened: $0.connectionsOpened, connectionsReused: $0.connectionsReused,
                connectionsOpen: $0.connectionsOpen)
        }
    }
}
