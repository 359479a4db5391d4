import Logging
import LurcherConfiguration
import LurcherControlPort

/// Mongrel2's control port, when `[server] control_port` is set. It stops first, with `lurcher ctl`'s socket,
/// so that no command reaches a gateway on its way down.
struct ControlPortService: StagedService {
    let configuration: ControlPortConfiguration?
    let target: GatewayControlPortTarget
    let logger: Logger
    let lifecycle: StartLifecycle

    func start() async throws -> ControlPort? {
        guard let configuration else { return nil }
        let port = try ControlPort(configuration: configuration, target: target, logger: logger)
        logger.info("control port on \(port.endpoint)")
        return port
    }

    func stop(_ port: ControlPort?, now: Bool) async {
        port?.close()
    }
}
