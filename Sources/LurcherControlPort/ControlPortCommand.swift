/// The commands of Mongrel2 1.12's control port, in the order of its `CALLBACKS` table, which `help` lists.
enum ControlPortCommand: String, CaseIterable {
    case stop
    case reload
    case help
    case controlStop = "control_stop"
    case kill
    case status
    case terminate
    case time
    case uuid
    case info

    /// `help`'s text: Mongrel2's, but for `terminate`, which Lurcher carries out as SIGQUIT does (SIGTERM is a
    /// graceful stop here).
    var help: String {
        switch self {
        case .stop: "stop the server (SIGINT)"
        case .reload: "reload the server"
        case .help: "this command"
        case .controlStop: "stop control port"
        case .kill: "kill a connection"
        case .status: "status, what=['net'|'tasks']"
        case .terminate: "terminate the server (SIGQUIT)"
        case .time: "the server's time"
        case .uuid: "the server's uuid"
        case .info: "information about this server"
        }
    }
}
