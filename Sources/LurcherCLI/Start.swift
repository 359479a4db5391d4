import ArgumentParser
import Foundation
import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherSupervisor

/// `lurcher start`: runs the gateway and the handler processes named in the configuration.
struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway and its handler processes until SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Seconds handler processes get to finish their work when stopping.")
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

        let stop = StopSignals()
        let gateway: Gateway
        let supervisor = Supervisor(handlers: Array(configuration.handlers.values), logger: logger)
        do {
            gateway = try await Gateway.start(configuration: configuration, logger: logger)
            try supervisor.start()
        } catch {
            printError(error)
            await supervisor.stop(timeout: .seconds(stopTimeout))
            throw ExitCode.failure
        }
        logger.info("listening on http://\(gateway.localAddress.ipAddress ?? "?"):\(gateway.localAddress.port ?? 0)")

        let signal = await stop.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        await supervisor.stop(timeout: .seconds(stopTimeout))
        try await gateway.shutdown()
        logger.info("stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
