/// Something the supervisor did or saw, for the log-event feed.
public enum SupervisorEvent: Sendable {
    /// A process of `pool` was started.
    case processStarted(pool: String, pid: Int32)
    /// A process exited; `expected` when it had been asked to stop. `status` reads `exit N` or `signal N`.
    case processExited(pool: String, pid: Int32, status: String, expected: Bool)
    /// A rolling restart of `pool` finished.
    case poolRestarted(pool: String, generation: Int, replaced: Int)
}
