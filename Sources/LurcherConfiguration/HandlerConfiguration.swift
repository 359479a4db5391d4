import LurcherProtocol

/// A handler: the ZeroMQ endpoints the gateway binds for it, and the processes that serve it.
public struct HandlerConfiguration: Sendable {
    /// The name routes refer to.
    public var name: String
    /// Endpoint the gateway binds for requests: a PUSH socket in push mode (handlers connect PULL), a ROUTER
    /// in broker mode (handlers connect DEALER, and replies come back the same way).
    public var sendSpec: String
    /// How requests reach the handler's processes, and replies come back.
    public var dispatch: DispatchMode
    /// Sender identity put at the front of every request; the gateway subscribes to replies that start with it.
    public var sendIdent: String
    /// How request headers are encoded on the wire.
    public var headerEncoding: HeaderEncoding
    /// Whether a large or chunked body reaches the handler as Mongrel2's streamed upload (`UPLOAD_STREAM`
    /// messages paced by `ctl credits`) instead of through a temp file.
    public var uploadStream: Bool
    /// Mongrel2's download flow control (`download.flow_control`, here per handler): the handler hears how many
    /// of its reply bytes each connection has written, and may have at most
    /// 102400 of them unwritten (Mongrel2's `MAX_CREDITS`); past that its connection is closed.
    public var downloadFlowControl: Bool
    /// The processes `lurcher start` keeps running for this handler, if any.
    public var process: ProcessConfiguration?
    /// CurveZMQ on the handler's request and reply sockets; nil for none.
    public var curve: CurveConfiguration?

    public init(
        name: String,
        sendSpec: String,
        dispatch: DispatchMode,
        sendIdent: String,
        headerEncoding: HeaderEncoding = .json,
        uploadStream: Bool = false,
        downloadFlowControl: Bool = false,
        process: ProcessConfiguration? = nil,
        curve: CurveConfiguration? = nil
    ) {
        self.curve = curve
        self.downloadFlowControl = downloadFlowControl
        self.name = name
        self.sendSpec = sendSpec
        self.dispatch = dispatch
        self.sendIdent = sendIdent
        self.headerEncoding = headerEncoding
        self.uploadStream = uploadStream
        self.process = process
    }
}

/// CurveZMQ for a handler's sockets (`curve_secret_key`, `curve_allowed_clients`): the gateway is the CURVE
/// server, and only handler processes whose public key is allowed get through the handshake.
public struct CurveConfiguration: Sendable, Equatable {
    /// The gateway's secret key for this handler, Z85 (40 characters).
    public var secretKey: String
    /// The public keys (Z85) of the processes allowed to connect: the list and the file's, together.
    public var allowedClients: [String]

    public init(secretKey: String, allowedClients: [String]) {
        self.secretKey = secretKey
        self.allowedClients = allowedClients
    }
}

/// How the gateway talks to a handler's processes.
public enum DispatchMode: Sendable, Equatable {
    /// Mongrel2's sockets: requests go out round-robin on PUSH; replies come back to a SUB bound on `recvSpec`.
    case push(recvSpec: String)
    /// The gateway is a ROUTER job broker: handlers connect DEALER sockets and say how much work they take.
    case broker(BrokerConfiguration)

    /// The endpoint replies arrive on in push mode; nil in broker mode, where they share `send_spec`.
    public var recvSpec: String? {
        if case .push(let recvSpec) = self { recvSpec } else { nil }
    }

    /// The mode's name as written in the configuration (`push` or `broker`).
    public var name: String {
        if case .push = self { "push" } else { "broker" }
    }
}

/// Settings of a handler in broker mode.
public struct BrokerConfiguration: Sendable, Equatable {
    /// How often the gateway and each handler process tell each other they are alive.
    public var heartbeatInterval: Duration
    /// How many intervals may pass without a word before the other side counts as gone.
    public var heartbeatLiveness: Int
    /// An optional ROUTER endpoint where plain ZeroMQ REQ or DEALER clients submit jobs to the same handlers.
    public var jobSpec: String?

    public init(heartbeatInterval: Duration = .seconds(1), heartbeatLiveness: Int = 3, jobSpec: String? = nil) {
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatLiveness = heartbeatLiveness
        self.jobSpec = jobSpec
    }

    /// How long silence may last before the other side counts as gone.
    public var expiry: Duration { heartbeatInterval * heartbeatLiveness }
}

/// A pool of handler processes to launch: any executable, Swift or not.
public struct ProcessConfiguration: Sendable, Equatable {
    /// Executable and arguments. A relative executable path is relative to ``workingDirectory``.
    public var command: [String]
    /// How many copies to start with.
    public var count: Int
    /// The fewest copies live scaling may leave running.
    public var minimum: Int
    /// The most copies live scaling may start.
    public var maximum: Int
    /// Working directory; nil means the gateway's own.
    public var workingDirectory: String?
    /// Extra environment variables, added to the gateway's environment and the `LURCHER_*` ones.
    public var environment: [String: String]
    /// How long a process asked to stop (SIGTERM) may take to finish its requests before it is killed.
    public var stopTimeout: Duration
    /// How long a new process may take to connect to the gateway during a rolling restart.
    public var readyTimeout: Duration

    public init(
        command: [String],
        count: Int = 1,
        minimum: Int? = nil,
        maximum: Int? = nil,
        workingDirectory: String? = nil,
        environment: [String: String] = [:],
        stopTimeout: Duration = .seconds(10),
        readyTimeout: Duration = .seconds(10)
    ) {
        self.command = command
        self.count = count
        self.minimum = minimum ?? min(count, 1)
        self.maximum = maximum ?? max(count, 64)
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.stopTimeout = stopTimeout
        self.readyTimeout = readyTimeout
    }
}
