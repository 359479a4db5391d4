/// A proxy route: the HTTP/1.1 backend its requests are passed to, as nginx's `proxy_pass` passes them.
public struct ProxyRouteConfiguration: Sendable, Equatable {
    /// The backend's host name or IP address, as written after `http://`.
    public var host: String
    /// The backend's port (80 when the URL names none).
    public var port: Int
    /// The `Host` header sent to the backend; nil passes the client's as it is.
    public var hostHeader: String?

    public init(host: String = "127.0.0.1", port: Int = 80, hostHeader: String? = nil) {
        self.host = host
        self.port = port
        self.hostHeader = hostHeader
    }

    /// `HOST:PORT`, the name the backend's metrics and logs go under.
    public var name: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The keep-alive pool of backend connections that proxy routes share (`[proxy]`).
///
/// Each event loop keeps its own idle connections per backend, as each nginx worker keeps its own `keepalive` pool:
/// a connection is only ever used by the loop that opened it, so no lock is taken per request.
public struct ProxyPoolConfiguration: Sendable, Equatable {
    /// The most idle connections kept open to one backend by one event loop; past it the longest idle is closed.
    public var maxIdleConnections: Int
    /// How long an idle connection is kept before it is closed.
    public var idleTimeout: Duration

    public init(maxIdleConnections: Int = 32, idleTimeout: Duration = .seconds(60)) {
        self.maxIdleConnections = maxIdleConnections
        self.idleTimeout = idleTimeout
    }
}
