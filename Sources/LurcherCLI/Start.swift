import ArgumentParser
import Foundation
import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherOperations
import LurcherSupervisor
import NIOPosix

/// `lurcher start`: runs the gateway and its handler pools until told to stop.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway and its handler processes.",
        discussion: """
            Signals: SIGTERM or SIGINT drain and stop; SIGQUIT stops at once; SIGHUP restarts every pool, one \
            process at a time; SIGTTIN and SIGTTOU add or remove one process in every pool; SIGUSR1 reopens the \
            access log (after rotating it); SIGUSR2 reloads the configuration, as `lurcher ctl reload` does.
            """)

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Seconds in-flight requests and handler processes get to finish when stopping.")
    var stopTimeout: Double = 10

    func run() async throws {
        let configuration: GatewayConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: options.config)
        } catch {
            printError(error)
            throw ExitCode(78)  // EX_CONFIG
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "lurcher")
        // Before anything is bound or spawned: a live gateway with this run directory is left alone, and the
        // processes a dead one left behind are ended before they can connect to this one's endpoints.
        let generation: GatewayGeneration
        do {
            generation = try GatewayGeneration.begin(besideControlSocket: configuration.server.controlSocket, logger: logger)
        } catch {
            printError(error)
            throw ExitCode.failure
        }
        let signals = SignalEvents()
        let operations: Operations
        do {
            operations = try Operations(configuration: configuration, logger: logger)
        } catch {
            printError(error)
            throw ExitCode.failure
        }
        let supervisor = Supervisor(
            handlers: Array(configuration.handlers.values), gatewayGeneration: generation.id,
            uploadDirectory: configuration.server.uploads.directory, logger: logger)
        let gateway: Gateway
        let control: ControlServer
        let admin: AdminServer?
        let reloader: ConfigurationReloader
        do {
            gateway = try await Gateway.start(configuration: configuration, logger: logger, operations: operations) {
                handler, processID in
                Task { await supervisor.handlerReady(handler, processID: processID) }
                operations.publish(.handlerConnected(handler: handler))
            }
            reloader = ConfigurationReloader(
                path: options.config, running: configuration, gateway: gateway, supervisor: supervisor,
                operations: operations, logger: logger)
            try await supervisor.start { [gateway] event in
                operations.publish(LogEvent(event))
                if case .processExited(let pool, let pid, _, _) = event {
                    gateway.handlerProcessExited(handler: pool, processID: pid)
                }
            }
            control = try await ControlServer.start(path: configuration.server.controlSocket) { request in
                await ControlCommands(
                    gateway: gateway, supervisor: supervisor, signals: signals, reloader: reloader, generation: generation
                ).handle(request)
            }
            admin = try await Self.startAdmin(configuration, gateway: gateway, supervisor: supervisor, operations: operations)
        } catch {
            printError(error)
            await supervisor.killAll()
            operations.close()
            throw ExitCode.failure
        }
        logger.info("listening on http://\(gateway.localAddress.ipAddress ?? "?"):\(gateway.localAddress.port ?? 0)")
        if let admin { logger.info("metrics on http://\(admin.localAddress.ipAddress ?? "?"):\(admin.localAddress.port ?? 0)/metrics") }
        if let events = operations.events { logger.info("publishing events on \(events.endpoint)") }
        if ProcessInfo.processInfo.environment["LURCHER_STOP_WITH_PARENT"] != nil {
            // For test harnesses and the like: when the process that started us is gone, stop cleanly
            // rather than linger with our handlers.
            do {
                try ParentWatch.start { signals.send(SIGTERM) }
            } catch {
                logger.warning("\(error)")
            }
        }

        let timeout = Duration.milliseconds(Int(stopTimeout * 1000))
        for await signal in signals.stream {
            switch signal {
            case SIGHUP:
                Task {
                    do {
                        _ = try await supervisor.restart(nil)
                    } catch {
                        logger.error("rolling restart failed", metadata: ["error": "\(error)"])
                    }
                }
            case SIGTTIN, SIGTTOU:
                _ = try? await supervisor.scale(nil, to: .relative(signal == SIGTTIN ? 1 : -1), clamp: true)
            case SIGUSR1:
                operations.accessLog?.reopen()
            case SIGUSR2:
                // Errors are logged and published by the reloader.
                Task { _ = try? await reloader.reload() }
            case SIGQUIT:
                logger.info("stopping now", metadata: ["signal": "\(signal)"])
                await supervisor.killAll()
                await control.close()
                await admin?.close()
                try await gateway.shutdown()
                operations.close()
                return
            default:
                logger.info("stopping", metadata: ["signal": "\(signal)"])
                await control.close()
                await gateway.drain(timeout: timeout)
                await supervisor.stopAll(timeout: timeout)
                await admin?.close()
                try await gateway.shutdown()
                operations.close()
                logger.info("stopped")
                return
            }
        }
    }
}

extension Start {
    /// Starts the admin listener for metrics, when the configuration has one.
    private static func startAdmin(
        _ configuration: GatewayConfiguration, gateway: Gateway, supervisor: Supervisor, operations: Operations
    ) async throws -> AdminServer? {
        guard let settings = configuration.operations.admin, let metrics = operations.metrics else { return nil }
        return try await AdminServer.start(
            configuration: settings, group: MultiThreadedEventLoopGroup.singleton, metrics: metrics
        ) {
            await OperationsSnapshot(gateway: gateway, supervisor: supervisor, operations: operations)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
