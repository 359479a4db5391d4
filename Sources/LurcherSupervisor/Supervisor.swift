import Foundation
import Logging
import LurcherConfiguration

/// Keeps the handler pools named in the configuration running, at the size asked for.
///
/// Processes are spawned before the first request arrives. One that exits unexpectedly is respawned after a
/// delay that doubles while it keeps exiting soon after starting, so a broken handler is reported (as
/// crash-looping) instead of spinning. Pools scale live within their bounds, and restart one process at a
/// time: the new process has connected to the gateway before the old one is asked to stop.
public actor Supervisor {
    /// A process that lived this long before exiting is healthy, and its pool's back-off starts over.
    static let healthyUptime: Duration = .seconds(10)
    /// Quick exits in a row after which a pool is reported as crash-looping.
    static let crashLoopThreshold = 5

    var pools: [String: ManagedPool] = [:]
    private var stopping = false
    /// Rolling restarts waiting for a new process to become ready, by its pid (see ``waitUntilReady(_:in:timeout:)``).
    var readyWaiters: [pid_t: ReadyWaiter] = [:]
    /// Callers waiting for a process to exit, by its pid (see ``waitForExit(_:in:)``).
    var exitWaiters: [pid_t: [CheckedContinuation<Void, Never>]] = [:]
    let logger: Logger
    /// Spawns, signals and reaps the processes: real ones, except in tests.
    private let host: any ProcessHost
    /// This run's ``GatewayGeneration`` id, put in every spawned process's environment.
    private let gatewayGeneration: String
    /// Told of processes starting and exiting and of finished restarts: the log-event feed, and the gateway,
    /// which in broker mode re-sends the requests of a process that exited.
    private var events: @Sendable (SupervisorEvent) -> Void = { _ in }

    /// The gateway's upload directory, the only one handler libraries read uploads from.
    private let uploadDirectory: String?

    /// Prepares a pool for every handler that has a command.
    /// - Parameters:
    ///   - gatewayGeneration: this run's ``GatewayGeneration`` id.
    ///   - uploadDirectory: the gateway's `[uploads] directory`, passed on as `LURCHER_UPLOAD_DIRECTORY`: handler
    ///     libraries read upload files only from there.
    public init(handlers: [HandlerConfiguration], gatewayGeneration: String, uploadDirectory: String? = nil, logger: Logger) {
        self.init(
            handlers: handlers, gatewayGeneration: gatewayGeneration, uploadDirectory: uploadDirectory, logger: logger,
            host: SystemProcessHost())
    }

    /// Prepares the pools with processes run by `host` (stand-ins, in tests).
    init(
        handlers: [HandlerConfiguration], gatewayGeneration: String, uploadDirectory: String?, logger: Logger,
        host: any ProcessHost
    ) {
        self.logger = logger
        self.host = host
        self.gatewayGeneration = gatewayGeneration
        self.uploadDirectory = uploadDirectory
        for handler in handlers {
            if let process = handler.process { pools[handler.name] = ManagedPool(handler: handler, configuration: process) }
        }
    }

    /// Spawns every pool to its starting size.
    /// - Throws: ``SupervisorError/cannotSpawn`` when a command cannot be started at all (not built, wrong path).
    /// - Parameter events: told of processes starting and exiting (for whatever reason) and of finished
    ///   rolling restarts, from now on.
    public func start(events: @escaping @Sendable (SupervisorEvent) -> Void = { _ in }) throws {
        self.events = events
        host.startReaping { [weak self] pid, status in
            Task { await self?.processExited(pid: pid, status: status) }
        }
        for name in pools.keys.sorted() {
            for _ in 0..<pools[name]!.desired { try spawn(in: name) }
        }
    }

    /// The pools, for `lurcher ctl status`.
    public func status() -> [PoolStatus] {
        let now = ContinuousClock.now
        return pools.keys.sorted().map { pools[$0]!.status(now: now) }
    }

    /// Records that a process of `handler` can take requests: the one with `processID` when the handler said
    /// which (broker mode), else the newest starting one (push mode cannot tell).
    public func handlerReady(_ handler: String, processID: Int32?) {
        guard var pool = pools[handler] else { return }
        let index =
            processID.flatMap { pid in pool.processes.firstIndex { $0.pid == pid } }
            ?? pool.processes.lastIndex { $0.state == .starting }
        guard let index, pool.processes[index].state == .starting else { return }
        pool.processes[index].state = .ready
        pools[handler] = pool
        endReadyWait(pool.processes[index].pid, .ready)
    }

    // MARK: - Scaling

    /// How to change a pool's size.
    public enum ScaleTarget: Sendable, Equatable {
        case absolute(Int)
        case relative(Int)
    }

    /// Changes the size of one pool (or of every pool when `name` is nil) and returns the new sizes.
    /// - Parameter clamp: keep within the pool's bounds instead of failing (for signals, which cannot answer).
    /// - Throws: ``SupervisorError`` for an unknown pool or, without `clamp`, a size outside its bounds.
    @discardableResult
    public func scale(_ name: String?, to target: ScaleTarget, clamp: Bool = false) throws -> [String: Int] {
        guard !stopping else { throw SupervisorError.stopping }
        var sizes: [String: Int] = [:]
        for poolName in try poolNames(name) {
            var pool = pools[poolName]!
            var wanted: Int
            switch target {
            case .absolute(let count): wanted = count
            case .relative(let delta): wanted = pool.desired + delta
            }
            let bounds = pool.configuration.minimum...pool.configuration.maximum
            if !bounds.contains(wanted) {
                guard clamp else {
                    throw SupervisorError.outOfBounds(
                        pool: poolName, requested: wanted, minimum: bounds.lowerBound, maximum: bounds.upperBound)
                }
                wanted = min(max(wanted, bounds.lowerBound), bounds.upperBound)
            }
            if wanted != pool.desired {
                logger.info("scaling pool", metadata: ["pool": "\(poolName)", "from": "\(pool.desired)", "to": "\(wanted)"])
            }
            pool.desired = wanted
            pools[poolName] = pool
            sizes[poolName] = wanted
            try fill(poolName)
            shrink(poolName)
        }
        return sizes
    }

    /// Starts processes until the pool has as many live ones as it should.
    func fill(_ name: String) throws {
        while !stopping, let pool = pools[name], pool.live.count < pool.desired {
            try spawn(in: name)
        }
    }

    /// Asks the newest surplus processes to stop.
    func shrink(_ name: String) {
        guard let pool = pools[name] else { return }
        let surplus = pool.live.count - pool.desired
        guard surplus > 0 else { return }
        for process in pool.live.sorted(by: { $0.startedAt > $1.startedAt }).prefix(surplus) {
            requestStop(process.pid, in: name)
        }
    }

    // MARK: - Rolling restart

    /// What a rolling restart did.
    public struct RestartReport: Sendable, Codable, Equatable {
        public var pool: String
        public var replaced: [Int32]
        public var started: [Int32]
        public var generation: Int
    }

    /// Replaces every process of one pool (or of every pool when `name` is nil), one at a time: each new
    /// process is connected to the gateway before an old one is asked to stop, and the old one gets its
    /// `stop_timeout` to finish what it holds. Returns when every pool named is done.
    public func restart(_ name: String?) async throws -> [RestartReport] {
        var reports: [RestartReport] = []
        for poolName in try poolNames(name) {
            reports.append(try await restartPool(poolName))
        }
        return reports
    }

    func restartPool(_ name: String) async throws -> RestartReport {
        guard !stopping else { throw SupervisorError.stopping }
        guard !pools[name]!.restarting else { throw SupervisorError.alreadyRestarting(name) }
        pools[name]!.restarting = true
        pools[name]!.generation += 1
        defer { pools[name]?.restarting = false }
        let generation = pools[name]!.generation
        let readyTimeout = pools[name]!.configuration.readyTimeout
        logger.info("rolling restart", metadata: ["pool": "\(name)", "generation": "\(generation)"])
        var report = RestartReport(pool: name, replaced: [], started: [], generation: generation)
        while let old = pools[name]?.live.first(where: { $0.generation < generation }) {
            guard !stopping else { throw SupervisorError.stopping }
            let new = try spawn(in: name)
            report.started.append(new)
            switch await waitUntilReady(new, in: name, timeout: readyTimeout) {
            case .ready:
                break
            case .stopping:
                // Every process, the new one too, has already been asked to stop.
                throw SupervisorError.stopping
            case .exited, .timedOut:
                requestStop(new, in: name)
                throw SupervisorError.notReady(pool: name, pid: new, waited: readyTimeout)
            }
            requestStop(old.pid, in: name)
            await waitForExit(old.pid, in: name)
            report.replaced.append(old.pid)
        }
        logger.info("rolling restart complete", metadata: ["pool": "\(name)", "replaced": "\(report.replaced.count)"])
        events(.poolRestarted(pool: name, generation: generation, replaced: report.replaced.count))
        return report
    }

    // MARK: - Stopping

    /// Asks every process to stop (SIGTERM) and waits for them, killing what is left after `timeout`.
    public func stopAll(timeout: Duration) async {
        stopping = true
        let all = allProcesses
        for (pid, name) in all { requestStop(pid, in: name, killAfter: timeout) }
        endReadyWaits(.stopping)
        for (pid, name) in all { await waitForExit(pid, in: name) }
        host.finishReaping()
    }

    /// Kills every process at once (SIGQUIT's immediate stop).
    public func killAll() async {
        stopping = true
        let all = allProcesses
        for (pid, _) in all { host.signal(pid, SIGKILL) }
        endReadyWaits(.stopping)
        for (pid, name) in all { await waitForExit(pid, in: name) }
        host.finishReaping()
    }

    // MARK: - Processes

    /// Every process of every pool, with its pool's name.
    private var allProcesses: [(pid: pid_t, pool: String)] {
        pools.values.flatMap { pool in pool.processes.map { (pid: $0.pid, pool: pool.name) } }
    }

    @discardableResult
    private func spawn(in name: String) throws -> pid_t {
        let pool = pools[name]!
        let environment = environment(of: pool)
        let pid = try host.spawn(
            command: pool.configuration.command, environment: environment,
            workingDirectory: pool.configuration.workingDirectory)
        pools[name]!.processes.append(
            .init(pid: pid, generation: pool.generation, startedAt: .now, state: .starting))
        events(.processStarted(pool: name, pid: pid))
        logger.info("started handler process", metadata: ["handler": "\(name)", "pid": "\(pid)", "generation": "\(pool.generation)"])
        return pid
    }

    /// The environment a process of `pool` starts with.
    func environment(of pool: ManagedPool) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["LURCHER_UPLOAD_DIRECTORY"] = uploadDirectory
        environment["LURCHER_HANDLER_NAME"] = pool.handler.name
        environment["LURCHER_SEND_SPEC"] = pool.handler.sendSpec
        environment["LURCHER_SEND_IDENT"] = pool.handler.sendIdent
        environment["LURCHER_PROTOCOL"] = pool.handler.headerEncoding.rawValue
        environment["LURCHER_MODE"] = pool.handler.dispatch.name
        switch pool.handler.dispatch {
        case .push(let recvSpec):
            environment["LURCHER_RECV_SPEC"] = recvSpec
        case .broker(let broker):
            environment["LURCHER_HEARTBEAT_INTERVAL"] = "\(broker.heartbeatInterval.inSeconds)"
            environment["LURCHER_HEARTBEAT_LIVENESS"] = "\(broker.heartbeatLiveness)"
        }
        environment["LURCHER_PARENT_PID"] = "\(getpid())"
        environment.merge(pool.configuration.environment) { _, configured in configured }
        // After the configured environment, which must not hide a process from the next start's sweep.
        environment[GatewayGeneration.environmentKey] = gatewayGeneration
        return environment
    }

    /// SIGTERM now, SIGKILL if it is still there after the pool's stop timeout (or `killAfter`).
    private func requestStop(_ pid: pid_t, in name: String, killAfter: Duration? = nil) {
        guard let index = pools[name]?.processes.firstIndex(where: { $0.pid == pid }) else { return }
        pools[name]!.processes[index].state = .stopping
        host.signal(pid, SIGTERM)
        let timeout = killAfter ?? pools[name]!.configuration.stopTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.killIfStillRunning(pid, in: name)
        }
    }

    private func killIfStillRunning(_ pid: pid_t, in name: String) {
        guard isRunning(pid, in: name) else { return }
        logger.warning("handler process did not stop in time; killing it", metadata: ["handler": "\(name)", "pid": "\(pid)"])
        host.signal(pid, SIGKILL)
    }

    func isRunning(_ pid: pid_t, in name: String) -> Bool {
        pools[name]?.processes.contains { $0.pid == pid } ?? false
    }

    private func processExited(pid: pid_t, status: Int32) {
        guard let name = pools.first(where: { $0.value.processes.contains { $0.pid == pid } })?.key else { return }
        var pool = pools[name]!
        let process = pool.processes.first { $0.pid == pid }!
        pool.processes.removeAll { $0.pid == pid }
        pools[name] = pool
        processGone(pid)
        let metadata: Logger.Metadata = ["handler": "\(name)", "pid": "\(pid)", "status": "\(Self.describe(status: status))"]
        let expected = process.state == .stopping || stopping
        events(.processExited(pool: name, pid: pid, status: Self.describe(status: status), expected: expected))
        if expected {
            pools[name] = pool
            logger.info("handler process stopped", metadata: metadata)
            return
        }
        pool.crashes += 1
        pool.quickExits = ContinuousClock.now - process.startedAt < Self.healthyUptime ? pool.quickExits + 1 : 0
        let delay = min(Duration.milliseconds(100) * (1 << min(pool.quickExits, 9)), .seconds(30))
        var details = metadata
        details["restart_in"] = "\(delay)"
        if pool.crashLooping {
            logger.error("handler pool is crash-looping; backing off", metadata: details)
        } else {
            logger.warning("handler process exited; restarting it", metadata: details)
        }
        guard !pool.respawnScheduled else {
            pools[name] = pool
            return
        }
        pool.respawnScheduled = true
        pools[name] = pool
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.respawn(name)
        }
    }

    private func respawn(_ name: String) {
        pools[name]?.respawnScheduled = false
        do {
            try fill(name)
        } catch {
            logger.error("cannot restart handler process", metadata: ["handler": "\(name)", "error": "\(error)"])
        }
    }

    private func poolNames(_ name: String?) throws -> [String] {
        guard let name else { return pools.keys.sorted() }
        guard pools[name] != nil else { throw SupervisorError.unknownPool(name, known: pools.keys.sorted()) }
        return [name]
    }

    private static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exit \((status >> 8) & 0xff)" : "signal \(signal)"
    }
}
