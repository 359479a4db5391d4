import Foundation
import LurcherConfiguration
import LurcherControlPort
import LurcherGateway
import LurcherSupervisor

/// What the control port's commands read and do in `lurcher start`: the gateway's connections, the pools, and
/// the same stop, reload and immediate stop as signals and `lurcher ctl` give.
struct GatewayControlPortTarget: ControlPortTarget {
    let gateway: Gateway
    let supervisor: Supervisor
    let reloader: ConfigurationReloader
    let info: ControlPortInfo

    init(configuration: GatewayConfiguration, gateway: Gateway, supervisor: Supervisor, reloader: ConfigurationReloader) {
        self.gateway = gateway
        self.supervisor = supervisor
        self.reloader = reloader
        info = ControlPortInfo(
            port: gateway.localAddress.port ?? configuration.server.listenPort, bindAddress: configuration.server.listenHost,
            uuid: configuration.server.uuid, accessLog: configuration.operations.accessLog?.path,
            defaultHost: configuration.server.defaultHost)
    }

    func connections() async -> [ConnectionStatus] { await gateway.connectionStatuses() }

    func pools() async -> [PoolStatus] { await supervisor.status() }

    func closeConnection(id: UInt64) async -> Bool { gateway.closeConnection(id: id) }

    func perform(_ action: ControlPortAction) {
        switch action {
        // The signals the service group and SignalService act on, so these take exactly their paths.
        case .stop: kill(getpid(), SIGTERM)
        case .terminate: kill(getpid(), SIGQUIT)
        // Errors are logged and published by the reloader, as for SIGUSR2.
        case .reload: Task { _ = try? await reloader.reload() }
        }
    }
}
