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

/// Handler processes to launch: any executable, Swift or not.
public struct ProcessConfiguration: Sendable {
    /// Executable and arguments. A relative executable path is relative to ``workingDirectory``.
    public var command: [String]
    /// How many copies to keep running.
    public var count: Int
    /// Working directory; nil means the gateway's own.
    public var workingDirectory: String?
    /// Extra environment variables, added to the gateway's environment and the `LURCHER_*` ones.
    public var environment: [String: String]

    public init(
        command: [String],
        count: Int = 1,
        workingDirectory: String? = nil,
        environment: [String: String] = [:]
    ) {
        self.command = command
        self.count = count
        self.workingDirectory = workingDirectory
        self.environment = environment
    }
}
