import Foundation
import LurcherConfiguration

/// One handler's processes, as the supervisor keeps them.
struct ManagedPool {
    struct ManagedProcess {
        enum State: String { case starting, ready, stopping }
        var pid: pid_t
        var generation: Int
        var startedAt: ContinuousClock.Instant
        var state: State
    }

    var handler: HandlerConfiguration
    var configuration: ProcessConfiguration
    var desired: Int
    var generation = 1
    var processes: [ManagedProcess] = []
    var restarting = false
    /// Unexpected exits in a row that came soon after starting; drives the back-off.
    var quickExits = 0
    var crashes = 0
    /// A respawn is already scheduled.
    var respawnScheduled = false

    init(handler: HandlerConfiguration, configuration: ProcessConfiguration) {
        self.handler = handler
        self.configuration = configuration
        desired = configuration.count
    }

    var name: String { handler.name }

    /// Processes that count towards the pool's size: not asked to stop.
    var live: [ManagedProcess] { processes.filter { $0.state != .stopping } }

    var crashLooping: Bool { quickExits >= Supervisor.crashLoopThreshold }

    func status(now: ContinuousClock.Instant) -> PoolStatus {
        PoolStatus(
            name: name, desired: desired, minimum: configuration.minimum, maximum: configuration.maximum,
            generation: generation, restarting: restarting, crashLooping: crashLooping, crashes: crashes,
            processes: processes.map { process in
                let uptime = now - process.startedAt
                return PoolStatus.Process(
                    pid: process.pid, state: process.state.rawValue, generation: process.generation,
                    uptimeSeconds: uptime.inSeconds)
            })
    }
}
