import Logging

/// Where a handler process finds its gateway, and how it behaves.
///
/// A handler under `lurcher start` reads these from the environment with
/// ``fromEnvironment(_:)``; a developer running a handler by hand passes the
/// endpoints to ``init(mode:sendSpec:recvSpec:heartbeatInterval:heartbeatLiveness:name:maxConcurrentRequests:receiveHighWaterMark:linger:drainTimeout:parentProcessID:parentCheckInterval:handlesSignals:logLevel:uploadDirectory:)``
/// or on the command line (``fromCommandLine(_:environment:)``).
///
/// The endpoints are written as in the gateway's configuration. The gateway
/// binds them; the handler connects, so a wildcard host (`*`, `0.0.0.0`) is
/// reached on the loopback address.
public struct HandlerSettings: Sendable {
    /// How the handler talks to the gateway.
    public enum Mode: String, Sendable {
        /// Mongrel2's sockets: requests on PULL from `send_spec`, replies on PUB to `recv_spec`.
        case push
        /// The gateway's job broker: one DEALER socket to `send_spec` for requests, replies and heartbeats.
        case broker
    }

    /// The dispatch mode of the handler in the gateway's configuration.
    public var mode: Mode

    /// The endpoint the gateway binds for requests (`send_spec`): its PUSH socket, where the handler connects
    /// a PULL socket, or in broker mode its ROUTER, where the handler connects a DEALER.
    public var sendSpec: String

    /// The endpoint the gateway's SUB socket is bound to (`recv_spec`).
    /// The handler connects a PUB socket here and sends replies. Unused in broker mode.
    public var recvSpec: String

    /// In broker mode, how often the handler and the gateway tell each other they are alive.
    public var heartbeatInterval: Duration

    /// In broker mode, how many heartbeat intervals of silence mean the gateway has gone.
    public var heartbeatLiveness: Int

    /// The handler's name in the gateway configuration; used in log lines.
    public var name: String

    /// The most requests answered at once. Past it the handler stops taking
    /// requests off its socket, so the gateway sends new ones to other handlers;
    /// in broker mode it is the concurrency announced to the gateway.
    public var maxConcurrentRequests: Int

    /// The most requests queued in the handler's own socket (`ZMQ_RCVHWM`).
    /// Kept small: libzmq drops that queue when the handler exits.
    public var receiveHighWaterMark: Int

    /// How long unsent replies may keep the process alive after ``HandlerConnection/run(onDisconnect:_:)``
    /// returns (`ZMQ_LINGER` on the reply socket).
    public var linger: Duration

    /// How long a graceful shutdown waits for the requests in hand; nil waits for as long as they take.
    public var drainTimeout: Duration?

    /// The process whose exit stops the handler, normally the gateway that
    /// spawned it (`LURCHER_PARENT_PID`); nil never checks.
    public var parentProcessID: Int32?

    /// How often the parent process is checked.
    public var parentCheckInterval: Duration

    /// Whether ``HandlerConnection/run(onDisconnect:_:)`` drains on SIGTERM and SIGINT.
    /// Turn it off when the application handles signals itself and calls
    /// ``HandlerConnection/shutdown()``; a ``HandlerService`` in the application's
    /// own `ServiceGroup` leaves the signals to the group whatever this says.
    public var handlesSignals: Bool

    /// The level of the connection's log lines (`LURCHER_LOG_LEVEL`); nil keeps the given logger's own.
    public var logLevel: Logger.Level?
    /// The gateway's `[uploads] directory` (`LURCHER_UPLOAD_DIRECTORY`), where it writes large request bodies.
    /// A request whose upload headers name a file anywhere else, or not as the gateway names its temp files,
    /// is answered 400 and no file is opened; nil refuses every upload.
    public var uploadDirectory: String?
    /// CurveZMQ keys for the links to the gateway (`LURCHER_CURVE_*`), when its handler section has
    /// `curve_secret_key`; nil connects without CURVE, which such a gateway refuses.
    public var curve: CurveKeys?

    /// A handler process's CurveZMQ keys, all Z85 (`lurcher keygen` prints pairs).
    public struct CurveKeys: Sendable, Equatable {
        /// The gateway's public key for this handler (the pair of its `curve_secret_key`).
        public var serverKey: String
        /// This process's own pair; the public key must be in the gateway's `curve_allowed_clients`.
        public var publicKey: String
        public var secretKey: String

        public init(serverKey: String, publicKey: String, secretKey: String) {
            self.serverKey = serverKey
            self.publicKey = publicKey
            self.secretKey = secretKey
        }
    }

    /// Creates settings.
    ///
    /// - Parameters:
    ///   - mode: push (Mongrel2's sockets) or broker (the gateway's job broker).
    ///   - sendSpec: the gateway's `send_spec`, where requests come from.
    ///   - recvSpec: the gateway's `recv_spec`, where replies go (push mode).
    ///   - heartbeatInterval: broker mode's heartbeat interval.
    ///   - heartbeatLiveness: broker mode's intervals of silence before the gateway counts as gone.
    ///   - name: the handler's name, for log lines.
    ///   - maxConcurrentRequests: the most requests answered at once.
    ///   - receiveHighWaterMark: the most requests queued in the handler's socket.
    ///   - linger: how long unsent replies may delay exit.
    ///   - drainTimeout: how long a graceful shutdown waits for requests in hand; nil for no limit.
    ///   - parentProcessID: stop when this process has gone; nil never checks.
    ///   - parentCheckInterval: how often to check the parent process.
    ///   - handlesSignals: drain on SIGTERM and SIGINT.
    ///   - logLevel: the level of the connection's log lines; nil keeps the logger's own.
    ///   - uploadDirectory: the gateway's upload directory; nil refuses uploads.
    public init(
        mode: Mode = .push,
        sendSpec: String = "tcp://127.0.0.1:9997",
        recvSpec: String = "tcp://127.0.0.1:9996",
        heartbeatInterval: Duration = .seconds(1),
        heartbeatLiveness: Int = 3,
        name: String = "handler",
        maxConcurrentRequests: Int = 64,
        receiveHighWaterMark: Int = 100,
        linger: Duration = .seconds(2),
        drainTimeout: Duration? = .seconds(30),
        parentProcessID: Int32? = nil,
        parentCheckInterval: Duration = .seconds(1),
        handlesSignals: Bool = true,
        logLevel: Logger.Level? = nil,
        uploadDirectory: String? = nil
    ) {
        self.mode = mode
        self.sendSpec = sendSpec
        self.recvSpec = recvSpec
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatLiveness = heartbeatLiveness
        self.name = name
        self.maxConcurrentRequests = maxConcurrentRequests
        self.receiveHighWaterMark = receiveHighWaterMark
        self.linger = linger
        self.drainTimeout = drainTimeout
        self.parentProcessID = parentProcessID
        self.parentCheckInterval = parentCheckInterval
        self.handlesSignals = handlesSignals
        self.logLevel = logLevel
        self.uploadDirectory = uploadDirectory
    }
}
