import Logging
import LurcherConfiguration
import LurcherGateway
import LurcherOperations
import LurcherSupervisor

/// Re-reads the configuration file and applies it to the running gateway and pools, one reload at a time.
///
/// The new file is validated as `lurcher start` validates it, then checked against the running
/// configuration: only hosts, routes, Dir routes, the default host, pool settings and `[tls]` (but its address)
/// can change without a restart; certificate files are read again. Anything else rejects the whole reload, and the running configuration stays as it was.
actor ConfigurationReloader {
    private let source: ConfigurationSource
    private var path: String { source.name }
    private let gateway: Gateway
    private let supervisor: Supervisor
    private let operations: Operations
    private let logger: Logger
    private var running: GatewayConfiguration
    /// Reloads applied since the gateway started (rejected ones are not counted), for `ctl status`.
    private(set) var reloads = 0

    init(
        source: ConfigurationSource, running: GatewayConfiguration, gateway: Gateway, supervisor: Supervisor, operations: Operations,
        logger: Logger
    ) {
        self.source = source
        self.running = running
        self.gateway = gateway
        self.supervisor = supervisor
        self.operations = operations
        self.logger = logger
    }

    /// Applies the file as it is now; returns what changed in the pools.
    /// - Throws: the ``ConfigurationError`` that rejected it (file, key, fix), or a supervisor error from a
    ///   pool restart the reload started (the routes are applied by then).
    func reload() async throws -> [Supervisor.PoolChange] {
        let updated: GatewayConfiguration
        do {
            updated = try source.load().configuration
            if let problem = running.reloadProblem(becoming: updated, file: path) { throw problem }
            // Certificates are read here, so that a bad file rejects the reload before anything changes.
            try gateway.reload(updated)
        } catch {
            logger.error("configuration reload rejected; keeping the running configuration", metadata: ["error": "\(error)"])
            operations.publish(.configurationRejected(file: path, error: "\(error)"))
            throw error
        }
        running = updated
        let changes = try await supervisor.reconfigure(Array(updated.handlers.values))
        reloads += 1
        logger.info("configuration reloaded", metadata: ["file": "\(path)", "pools_changed": "\(changes.count)"])
        operations.publish(.configurationReloaded(file: path))
        return changes
    }
}
