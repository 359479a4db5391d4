import Foundation
import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherOperations
import LurcherSupervisor
import ServiceLifecycle

extension Start {
    /// The service group of `lurcher start`, in the order its parts start.
    ///
    /// The group stops them in the reverse order, each once the one after it has returned: signals stop being
    /// acted on, rebuilds stop being watched (`--watch`), the control port and the control socket close, the gateway
    /// stops accepting and drains the requests in flight, the pools stop, then the admin listener, the gateway's
    /// connections and transport, and last the access log and the event feed. SIGTERM and SIGINT (and `lurcher ctl stop`, the control port's `stop`, and
    /// `LURCHER_STOP_WITH_PARENT`) start that graceful stop; SIGQUIT (and the control port's `terminate`) makes it
    /// an immediate one; and a part that fails to start stops the ones already
    /// running the same way.
    func services(
        configuration: GatewayConfiguration, source: ConfigurationSource, generation: GatewayGeneration, gateway: Gateway,
        supervisor: Supervisor, operations: Operations, logger: Logger
    ) -> ServiceGroupConfiguration {
        let lifecycle = StartLifecycle {
            Self.announce(gateway: gateway, operations: operations, logger: logger)
        }
        let reloader = ConfigurationReloader(
            source: source, running: configuration, gateway: gateway, supervisor: supervisor,
            operations: operations, logger: logger)
        let commands = ControlCommands(
            gateway: gateway, supervisor: supervisor, reloader: reloader, generation: generation
        ) { kill(getpid(), SIGTERM) }
        var services: [any Service] = [
            OperationsService(operations: operations, lifecycle: lifecycle),
            GatewayService(gateway: gateway, lifecycle: lifecycle),
            AdminService(
                configuration: configuration, gateway: gateway, supervisor: supervisor, operations: operations,
                logger: logger, lifecycle: lifecycle),
            SupervisorService(
                supervisor: supervisor, gateway: gateway, operations: operations, timeout: stopDuration,
                lifecycle: lifecycle),
            DrainService(gateway: gateway, timeout: stopDuration, lifecycle: lifecycle),
            ControlService(path: configuration.server.controlSocket, commands: commands, lifecycle: lifecycle),
            ControlPortService(
                configuration: configuration.server.controlPort,
                target: GatewayControlPortTarget(
                    configuration: configuration, gateway: gateway, supervisor: supervisor, reloader: reloader),
                logger: logger, lifecycle: lifecycle),
        ]
        if watch { services.append(WatchService(supervisor: supervisor, logger: logger, lifecycle: lifecycle)) }
        services.append(
            SignalService(
                supervisor: supervisor, operations: operations, reloader: reloader, logger: logger, lifecycle: lifecycle))
        lifecycle.expect(services.count)
        var group = ServiceGroupConfiguration(
            services: services.map {
                // Any part's end, a failed start or SIGQUIT's, stops the others in order rather than cancelling them.
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "\(type(of: $0))")
            },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // The drain and the pool stop each have their own timeout; past both, and some slack for the rest, the
        // group is cancelled and every part stops at once.
        group.maximumGracefulShutdownDuration = stopDuration * 2 + .seconds(5)
        return group
    }

    /// Says where the gateway is, once every part has started, and starts watching the parent process when asked.
    private static func announce(gateway: Gateway, operations: Operations, logger: Logger) {
        if let events = operations.events { logger.info("publishing events on \(events.endpoint)") }
        if let tls = gateway.tlsAddress { logger.info("listening on https://\(tls.ipAddress ?? "?"):\(tls.port ?? 0)") }
        logger.info("listening on http://\(gateway.localAddress.ipAddress ?? "?"):\(gateway.localAddress.port ?? 0)")
        if ProcessInfo.processInfo.environment["LURCHER_STOP_WITH_PARENT"] != nil {
            // For test harnesses and the like: when the process that started us is gone, stop cleanly rather
            // than linger with our handlers, as SIGTERM would.
            do {
                try ParentWatch.start { kill(getpid(), SIGTERM) }
            } catch {
                logger.warning("\(error)")
            }
        }
    }
}
