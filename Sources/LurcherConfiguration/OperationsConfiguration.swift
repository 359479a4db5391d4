/// What operators watch: the access log, the admin listener for metrics, and log events over ZeroMQ.
/// Each is off until its section is in the file.
public struct OperationsConfiguration: Sendable, Equatable {
    /// Where and how every answered request is logged; nil logs none.
    public var accessLog: AccessLogConfiguration?
    /// The admin listener serving `GET /metrics`; nil serves none.
    public var admin: AdminConfiguration?
    /// The ZeroMQ PUB endpoint log events are published on; nil publishes none.
    public var events: EventsConfiguration?

    public init(
        accessLog: AccessLogConfiguration? = nil, admin: AdminConfiguration? = nil, events: EventsConfiguration? = nil
    ) {
        self.accessLog = accessLog
        self.admin = admin
        self.events = events
    }
}

/// The access log: one line per answered request.
public struct AccessLogConfiguration: Sendable, Equatable {
    /// How each line is written.
    public enum Format: String, Sendable, Equatable {
        /// The Apache/nginx combined log format.
        case combined
        /// One JSON object per line.
        case json
    }

    /// The file lines are appended to, reopened on SIGUSR1; `-` is standard output.
    public var path: String
    /// How each line is written.
    public var format: Format

    public init(path: String = "-", format: Format = .combined) {
        self.path = path
        self.format = format
    }
}

/// The admin listener: plain HTTP for operators, apart from the public listener.
public struct AdminConfiguration: Sendable, Equatable {
    /// Address to listen on; loopback unless the file allowed otherwise.
    public var listenHost: String
    /// Port to listen on; 0 picks a free one (the log says which).
    public var listenPort: Int

    public init(listenHost: String = "127.0.0.1", listenPort: Int = 9180) {
        self.listenHost = listenHost
        self.listenPort = listenPort
    }
}

/// Log events published over ZeroMQ, one JSON message each.
public struct EventsConfiguration: Sendable, Equatable {
    /// The endpoint the gateway binds a PUB socket on, such as `tcp://127.0.0.1:9190`.
    public var endpoint: String
    /// Events queued per subscriber (and in the gateway) before further ones are dropped and counted.
    public var highWaterMark: Int

    public init(endpoint: String, highWaterMark: Int = 1000) {
        self.endpoint = endpoint
        self.highWaterMark = highWaterMark
    }
}
