import LurcherProtocol

/// A handler: the ZeroMQ endpoints the gateway binds for it, and the processes that serve it.
public struct HandlerConfiguration: Sendable {
    /// The name routes refer to.
    public var name: String
    /// Endpoint the gateway binds a PUSH socket on; handlers connect PULL here to receive requests.
    public var sendSpec: String
    /// Endpoint the gateway binds a SUB socket on; handlers connect PUB here to reply.
    public var recvSpec: String
    /// Sender identity put at the front of every request; the gateway subscribes to replies that start with it.
    public var sendIdent: String
    /// How request headers are encoded on the wire.
    public var headerEncoding: HeaderEncoding
    /// The processes `lurcher start` keeps running for this handler, if any.
    public var process: ProcessConfiguration?

    public init(
        name: String,
        sendSpec: String,
        recvSpec: String,
        sendIdent: String,
        headerEncoding: HeaderEncoding = .json,
        process: ProcessConfiguration? = nil
    ) {
        self.name = name
        self.sendSpec = sendSpec
        self.recvSpec = recvSpec
        self.sendIdent = sendIdent
        self.headerEncoding = headerEncoding
        self.process = process
    }
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
