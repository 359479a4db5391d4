/// The gateway's levels and running totals at one moment, as the metrics show them.
public struct OperationsSnapshot: Sendable {
    /// One handler's side of the dispatcher.
    public struct Handler: Sendable {
        public var name: String
        /// Handler processes connected to its request socket.
        public var connected: Int
        /// Requests waiting for a handler to connect.
        public var held: Int

        public init(name: String, connected: Int, held: Int) {
            self.name = name
            self.connected = connected
            self.held = held
        }
    }

    /// One supervised pool.
    public struct Pool: Sendable {
        public var name: String
        public var processes: Int
        /// Processes restarted after exiting unexpectedly, since start.
        public var crashRestarts: Int
        /// Rolling restarts done, since start.
        public var rollingRestarts: Int

        public init(name: String, processes: Int, crashRestarts: Int, rollingRestarts: Int) {
            self.name = name
            self.processes = processes
            self.crashRestarts = crashRestarts
            self.rollingRestarts = rollingRestarts
        }
    }

    /// One proxy route backend's totals since start, and its connections open now.
    public struct ProxyBackend: Sendable {
        public var name: String
        public var requests: Int
        public var badGateway: Int
        public var timedOut: Int
        public var cutShort: Int
        public var connectionsOpened: Int
        public var connectionsReused: Int
        public var connectionsOpen: Int

        public init(
            name: String, requests: Int = 0, badGateway: Int = 0, timedOut: Int = 0, cutShort: Int = 0,
            connectionsOpened: Int = 0, connectionsReused: Int = 0, connectionsOpen: Int = 0
        ) {
            self.name = name
            self.requests = requests
            self.badGateway = badGateway
            self.timedOut = timedOut
            self.cutShort = cutShort
            self.connectionsOpened = connectionsOpened
            self.connectionsReused = connectionsReused
            self.connectionsOpen = connectionsOpen
        }
    }

    public var openConnections: Int
    /// Requests sent (or held) for a handler and not yet answered.
    public var inFlight: Int
    public var handlers: [Handler]
    public var pools: [Pool]
    /// ZeroMQ sends to handlers that failed with an error, since start.
    public var zeroMQSendFailures: Int
    /// Log events dropped because a queue was full, since start.
    public var eventsDropped: Int
    /// Access-log lines dropped because the disk fell behind, since start.
    public var accessLogDropped: Int
    /// Client headers removed because they would pass for the gateway's own, since start.
    public var reservedHeadersRemoved: Int
    /// WebSockets open now; client messages passed to handlers and handler replies written to WebSockets, since start.
    public var openWebSockets = 0
    public var webSocketMessagesReceived = 0
    public var webSocketFramesSent = 0
    /// TLS connections that failed (a handshake refused or timed out, a bad record), since start.
    public var tlsFailures = 0
    /// Proxy route backends, by name.
    public var proxyBackends: [ProxyBackend] = []

    public init(
        openConnections: Int = 0, inFlight: Int = 0, handlers: [Handler] = [], pools: [Pool] = [],
        zeroMQSendFailures: Int = 0, eventsDropped: Int = 0, accessLogDropped: Int = 0, reservedHeadersRemoved: Int = 0
    ) {
        self.openConnections = openConnections
        self.inFlight = inFlight
        self.handlers = handlers
        self.pools = pools
        self.zeroMQSendFailures = zeroMQSendFailures
        self.eventsDropped = eventsDropped
        self.accessLogDropped = accessLogDropped
        self.reservedHeadersRemoved = reservedHeadersRemoved
    }
}
