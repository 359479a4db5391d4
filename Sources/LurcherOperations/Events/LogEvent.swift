import Glibc

/// Something worth telling operators about, published as one JSON object (docs/OPERATIONS.md lists them).
public enum LogEvent: Sendable {
    /// A request was answered.
    case request(CompletedRequest)
    /// A handler process connected to the gateway's sockets for `handler`.
    case handlerConnected(handler: String)
    /// The supervisor started a process.
    case processStarted(pool: String, pid: Int32)
    /// A process exited; `expected` when it had been asked to stop.
    case processExited(pool: String, pid: Int32, status: String, expected: Bool)
    /// A rolling restart of a pool finished.
    case poolRestarted(pool: String, generation: Int, replaced: Int)
    /// `lurcher ctl reload` or SIGUSR2 applied a configuration.
    case configurationReloaded(file: String)
    /// A reload was refused and the running configuration kept.
    case configurationRejected(file: String, error: String)

    /// The event as a JSON object; `gateway` is the server's uuid, so several gateways can share a subscriber.
    public func json(gateway: String) -> [UInt8] {
        var json = JSONObjectWriter()
        json.field("type", type)
        json.field("gateway", gateway)
        switch self {
        case .request(let request):
            request.writeFields(into: &json)
            return json.finish()
        case .handlerConnected(let handler):
            json.field("handler", handler)
        case .processStarted(let pool, let pid):
            json.field("pool", pool)
            json.field("pid", Int(pid))
        case .processExited(let pool, let pid, let status, let expected):
            json.field("pool", pool)
            json.field("pid", Int(pid))
            json.field("status", status)
            json.field("expected", expected)
        case .poolRestarted(let pool, let generation, let replaced):
            json.field("pool", pool)
            json.field("generation", generation)
            json.field("replaced", replaced)
        case .configurationReloaded(let file):
            json.field("file", file)
        case .configurationRejected(let file, let error):
            json.field("file", file)
            json.field("error", error)
        }
        json.field("time", LogTime.iso8601(.now()))
        return json.finish()
    }

    private var type: String {
        switch self {
        case .request: "request"
        case .handlerConnected: "handler_connected"
        case .processStarted: "process_started"
        case .processExited: "process_exited"
        case .poolRestarted: "pool_restarted"
        case .configurationReloaded: "config_reloaded"
        case .configurationRejected: "config_rejected"
        }
    }
}
