import LurcherConfiguration

extension Supervisor {
    /// What a reload did to one pool.
    public struct PoolChange: Sendable, Codable, Equatable {
        public var pool: String
        /// The pool's new size, when it changed.
        public var size: Int?
        /// Whether its processes were replaced, because their command, environment or directory changed.
        public var restarted: Bool
    }

    /// Takes new settings for the existing pools: sizes, bounds, timeouts, and commands.
    ///
    /// A pool whose `processes` changed goes to that size; otherwise a size set live with `scale` is kept,
    /// within the new bounds. A pool whose command, environment or working directory changed gets a rolling
    /// restart, so its processes run the new one; this returns when that is done. Handlers without a pool
    /// here are ignored: adding or removing pools needs a restart (see `GatewayConfiguration.reloadProblem`).
    public func reconfigure(_ handlers: [HandlerConfiguration]) async throws -> [PoolChange] {
        var changes: [PoolChange] = []
        for handler in handlers.sorted(by: { $0.name < $1.name }) {
            guard let updated = handler.process, let pool = pools[handler.name] else { continue }
            let old = pool.configuration
            guard updated != old else { continue }
            let size = old.count != updated.count ? updated.count : min(max(pool.desired, updated.minimum), updated.maximum)
            pools[handler.name]!.configuration = updated
            pools[handler.name]!.handler = handler
            var change = PoolChange(pool: handler.name, size: nil, restarted: false)
            if size != pool.desired {
                logger.info("reload resizes pool", metadata: ["pool": "\(handler.name)", "from": "\(pool.desired)", "to": "\(size)"])
                pools[handler.name]!.desired = size
                try fill(handler.name)
                shrink(handler.name)
                change.size = size
            }
            if updated.command != old.command || updated.environment != old.environment
                || updated.workingDirectory != old.workingDirectory
            {
                _ = try await restartPool(handler.name)
                change.restarted = true
            }
            changes.append(change)
        }
        return changes
    }
}
