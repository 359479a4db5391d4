import ArgumentParser
import Foundation
import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherSupervisor

/// `lurcher start`: runs the gateway and its handler pools until told to stop.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway and its handler processes.",
        discussion: """
            Signals: SIGTERM or SIGINT drain and stop; SIGQUIT stops at once; SIGHUP restarts every pool, one \
            process at a time; SIGTTIN and SIGTTOU add or remove one process in every pool.
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
        let signals = SignalEvents()
        let supervisor = Supervisor(handlers: Array(configuration.handlers.values), logger: logger)
        let gateway: Gateway
        let control: ControlServer
        do {
            gateway = try await Gateway.start(configuration: configuration, logger: logger) { handler, processID in
                Task { await supervisor.handlerReady(handler, processID: processID) }
            }
            try await supervisor.start { [gateway] pool, processID in
                gateway.handlerProcessExited(handler: pool, processID: processID)
            }
            control = try await ControlServer.start(path: configuration.server.controlSocket) { request in
                await ControlCommands(gateway: gateway, supervisor: supervisor, signals: signals).handle(request)
            }
        } catch {
            printError(error)
            await supervisor.killAll()
            throw ExitCode.failure
        }
        logger.info("listening on http://\(gateway.localAddress.ipAddress ?? "?"):\(gateway.localAddress.port ?? 0)")
        if ProcessInfo.processInfo.environment["LURCHER_STOP_WITH_PARENT"] != nil {
            // For test harnesses and the like: when the process that started us is gone, stop cleanly
            // rather than linger with our handlers.
            let parent = getppid()
            Task.detached {
                while getppid() == parent { try? await Task.sleep(for: .milliseconds(500)) }
                signals.send(SIGTERM)
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
            case SIGQUIT:
                logger.info("stopping now", metadata: ["signal": "\(signal)"])
                await supervisor.killAll()
                await control.close()
                try await gateway.shutdown()
                return
            default:
                logger.info("stopping", metadata: ["signal": "\(signal)"])
                await control.close()
                await gateway.drain(timeout: timeout)
                await supervisor.stopAll(timeout: timeout)
                try await gateway.shutdown()
                logger.info("stopped")
                return
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
