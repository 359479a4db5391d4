import LurcherProtocol

/// Everything `lurcher start` needs: the server, its virtual hosts and routes, and the handlers.
///
/// Built by ``ConfigurationLoader`` from a TOML file and validated before anything starts.
public struct GatewayConfiguration: Sendable {
    /// The listening socket, identity, limits and timeouts.
    public var server: ServerConfiguration
    /// Virtual hosts, matched by the request's Host header.
    public var hosts: [HostConfiguration]
    /// Handlers by name, as routes refer to them.
    public var handlers: [String: HandlerConfiguration]
    /// The access log, metrics and log events.
    public var operations: OperationsConfiguration
    /// The HTTPS listener, or nil for none.
    public var tls: TLSListenerConfiguration?
    /// The backend connection pool of proxy routes.
    public var proxy: ProxyPoolConfiguration

    public init(
        server: ServerConfiguration = .init(),
        hosts: [HostConfiguration] = [],
        handlers: [String: HandlerConfiguration] = [:],
        operations: OperationsConfiguration = .init(),
        tls: TLSListenerConfiguration? = nil,
        proxy: ProxyPoolConfiguration = .init()
    ) {
        self.proxy = proxy
        self.tls = tls
        self.server = server
        self.hosts = hosts
        self.handlers = handlers
        self.operations = operations
    }
}
