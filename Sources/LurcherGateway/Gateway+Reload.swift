import LurcherConfiguration

extension Gateway {
    /// Routes with `configuration`'s hosts, routes and Dir routes from the next request on, on every
    /// connection, open ones included.
    ///
    /// The handlers must be the ones the gateway started with (check with
    /// `GatewayConfiguration.reloadProblem(becoming:file:)`): their ZeroMQ endpoints are bound once.
    public func reload(_ configuration: GatewayConfiguration) {
        routes.replace(with: Router(configuration: configuration, handlerIndex: handlerIndex))
        logger.info("routes reloaded", metadata: ["hosts": "\(configuration.hosts.count)"])
    }

    /// Sends to handler sockets that failed with an error since the gateway started, for the metrics.
    public var zeroMQSendFailures: Int { DispatchCounters.sendFailures.load(ordering: .relaxed) }
}
