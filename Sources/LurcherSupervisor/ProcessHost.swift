import Foundation

/// What the supervisor does to operating-system processes: spawn them, signal them, and hear of their exits.
///
/// One seam, so that the supervisor's waits (for a new process to become ready, for an old one to exit) can be
/// driven by tests with stand-in processes, without spawning anything or reaping the test runner's children.
protocol ProcessHost: Sendable {
    /// From now on, `exited` gets the pid and wait status of each spawned process that exits.
    func startReaping(_ exited: @escaping @Sendable (pid_t, Int32) -> Void)
    /// Starts `command` and returns its pid.
    /// - Throws: ``SupervisorError/cannotSpawn`` when it cannot be started.
    func spawn(command: [String], environment: [String: String], workingDirectory: String?) throws -> pid_t
    /// Sends `signal` to process `pid`.
    func signal(_ pid: pid_t, _ signal: Int32)
    /// Nothing more will be spawned: reaping may end once the children are gone.
    func finishReaping()
}

/// Real processes: spawned through the ``ExecShim`` on the one ``SpawnerThread``, and reaped by a ``ChildReaper``.
struct SystemProcessHost: ProcessHost {
    private let reaper = ChildReaper()
    private let spawner = SpawnerThread()

    func startReaping(_ exited: @escaping @Sendable (pid_t, Int32) -> Void) {
        reaper.start(exited)
    }

    func spawn(command: [String], environment: [String: String], workingDirectory: String?) throws -> pid_t {
        let launcher = ExecShim.launcher(gateway: getpid())
        let pid = try spawner.run {
            try ProcessSpawner.spawn(
                command: command, launcher: launcher, environment: environment, workingDirectory: workingDirectory)
        }
        reaper.childStarted()
        return pid
    }

    func signal(_ pid: pid_t, _ signal: Int32) {
        kill(pid, signal)
    }

    func finishReaping() {
        reaper.finish()
    }
}
