import LurcherGateway
import LurcherSupervisor

/// What the control port's commands read from the running gateway and ask of it.
public protocol ControlPortTarget: Sendable {
    /// The open client connections (`status what=net`).
    func connections() async -> [ConnectionStatus]
    /// The handler pools and their processes (`status what=tasks`).
    func pools() async -> [PoolStatus]
    /// Closes the connection with `id` as a client's leaving would (`kill`); false when none is open.
    func closeConnection(id: UInt64) async -> Bool
    /// The server's settings (`info` and `uuid`).
    var info: ControlPortInfo { get }
    /// Starts a graceful stop (`stop`), a configuration reload (`reload`) or an immediate stop (`terminate`).
    /// Called once the reply has been sent.
    func perform(_ action: ControlPortAction)
}

/// What `stop`, `reload` and `terminate` ask for.
public enum ControlPortAction: Sendable, Equatable {
    /// As SIGTERM or `lurcher ctl stop`: drain, then stop.
    case stop
    /// As SIGUSR2 or `lurcher ctl reload`: apply the configuration file again.
    case reload
    /// As SIGQUIT: stop at once.
    case terminate
}

/// The server settings `info` shows, as the columns of Mongrel2's `info`.
public struct ControlPortInfo: Sendable, Equatable {
    /// The port and address clients connect to.
    public var port: Int
    public var bindAddress: String
    public var uuid: String
    /// The access log's path, if the gateway writes one.
    public var accessLog: String?
    /// The host that serves requests whose Host header matches none.
    public var defaultHost: String?

    public init(port: Int, bindAddress: String, uuid: String, accessLog: String? = nil, defaultHost: String? = nil) {
        self.port = port
        self.bindAddress = bindAddress
        self.uuid = uuid
        self.accessLog = accessLog
        self.defaultHost = defaultHost
    }
}
