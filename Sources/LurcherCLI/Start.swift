import ArgumentParser
import Foundation
import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherOperations
import LurcherSupervisor
import ServiceLifecycle

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

    @Option(
        help: """
            Seconds in-flight requests get to finish when stopping, and then the handler processes; a stop that \
            takes longer than twice this plus 5 s in all ends at once.
            """)
    var stopTimeout: Double = 10

    @Flag(
        help: """
            Watch the pools' executables, and restart a pool, one process at a time, when a build replaces its \
            executable.
            """)
    var watch = false

    func validate() throws {
        guard stopTimeout.isFinite, stopTimeout > 0 else {
            throw ValidationError("--stop-timeout must be a positive number of seconds, such as 10")
        }
    }

    func run() async throws {
        let configuration: GatewayConfiguration
        let source = options.source
        do {
            let loaded = try source.load()
            configuration = loaded.configuration
            for warning in loaded.warnings { printError("warning: \(warning)") }
            // A Mongrel2 server runs from its chroot, as Mongrel2 does (without needing root to chroot).
            if let directory = loaded.workingDirectory, !FileManager.default.changeCurrentDirectoryPath(directory) {
                throw ConfigurationError(
                    file: source.name, key: "server.chroot", problem: "cannot change to \(directory)",
                    fix: "create the directory, or correct the server's chroot")
            }
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
        do {
            // Before anything is bound or spawned: a live gateway with this run directory is left alone, and the
            // processes a dead one left behind are ended before they can connect to this one's endpoints.
            let generation = try GatewayGeneration.begin(
                besideControlSocket: configuration.server.controlSocket, logger: logger)
            let operations = try Operations(configuration: configuration, logger: logger)
            let supervisor = Supervisor(
                handlers: Array(configuration.handlers.values), gatewayGeneration: generation.id,
                uploadDirectory: configuration.server.uploads.directory, logger: logger)
            let gateway: Gateway
            do {
                gateway = try await Gateway.start(configuration: configuration, logger: logger, operations: operations) {
                    handler, processID in
                    Task { await supervisor.handlerReady(handler, processID: processID) }
                    operations.publish(.handlerConnected(handler: handler))
                }
            } catch {
                operations.close()
                throw error
            }
            // From here on every start and stop goes through the group, a failed start included.
            let group = ServiceGroup(
                configuration: services(
                    configuration: configuration, source: source, generation: generation, gateway: gateway,
                    supervisor: supervisor, operations: operations, logger: logger))
            try await group.run()
        } catch {
            printError(error)
            throw ExitCode.failure
        }
        logger.info("stopped")
    }

    /// The stop timeout as a duration.
    var stopDuration: Duration { .milliseconds(Int(stopTimeout * 1000)) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
