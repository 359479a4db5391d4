import LurcherOperations
import LurcherSupervisor

extension LogEvent {
    /// The published form of a supervisor event.
    init(_ event: SupervisorEvent) {
        switch event {
        case .processStarted(let pool, let pid):
            self = .processStarted(pool: pool, pid: pid)
        case .processExited(let pool, let pid, let status, let expected):
            self = .processExited(pool: pool, pid: pid, status: status, expected: expected)
        case .poolRestarted(let pool, let generation, let replaced):
            self = .poolRestarted(pool: pool, generation: generation, replaced: replaced)
        }
    }
}
