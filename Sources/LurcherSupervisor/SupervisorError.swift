/// Why the supervisor could not do what was asked.
public enum SupervisorError: Error, CustomStringConvertible, Sendable {
    case cannotSpawn(command: [String], reason: String)
    case unknownPool(String, known: [String])
    case outOfBounds(pool: String, requested: Int, minimum: Int, maximum: Int)
    case alreadyRestarting(String)
    case notReady(pool: String, pid: Int32, waited: Duration)
    case stopping
    case alreadyRunning(controlSocket: String, pid: Int32?)
    case cannotRecordGeneration(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotSpawn(let command, let reason):
            "cannot start \(command.joined(separator: " ")): \(reason). Fix: build the handler (swift build) or correct its command in the configuration"
        case .unknownPool(let name, let known):
            "no pool is named \"\(name)\". Fix: use one of: \(known.joined(separator: ", "))"
        case .outOfBounds(let pool, let requested, let minimum, let maximum):
            "pool \(pool) cannot have \(requested) processes: its bounds are \(minimum)...\(maximum). Fix: choose a count within them, or change min_processes/max_processes"
        case .alreadyRestarting(let pool):
            "pool \(pool) is already restarting. Fix: wait for that restart to finish"
        case .notReady(let pool, let pid, let waited):
            "pool \(pool): new process \(pid) did not connect to the gateway within \(waited); the old processes were kept. Fix: check the handler's output, or raise ready_timeout"
        case .stopping:
            "the gateway is stopping"
        case .alreadyRunning(let controlSocket, let pid):
            "a gateway\(pid.map { " (pid \($0))" } ?? "") is already running with control socket \(controlSocket). Fix: stop it (`lurcher ctl stop`), or give this one another server.control"
        case .cannotRecordGeneration(let path, let reason):
            "cannot record this gateway run in \(path): \(reason). Fix: make that directory writable, or choose another server.control"
        }
    }
}
