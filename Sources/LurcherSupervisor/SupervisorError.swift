/// Why the supervisor could not start a handler process.
public enum SupervisorError: Error, CustomStringConvertible {
    case cannotSpawn(command: [String], reason: String)

    public var description: String {
        switch self {
        case .cannotSpawn(let command, let reason):
            "cannot start \(command.joined(separator: " ")): \(reason). Fix: build the handler (swift build) or correct its command in the configuration"
        }
    }
}
