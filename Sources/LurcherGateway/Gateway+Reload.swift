import LurcherConfiguration

extension Gateway {
    /// Routes with `configuration`'s hosts, routes and Dir routes from the next request on, on every
    /// connection, open ones included; handlers with CURVE admit the listed keys from the next handshake on (a
    /// process already connected stays until it reconnects); with `[tls]`, serves new handshakes with its certificates, read again
    /// from their files, while open TLS connections keep the ones they began with.
    ///
    /// The handlers must be the ones the gateway started with (check with
    /// `GatewayConfiguration.reloadProblem(becoming:file:)`): their ZeroMQ endpoints are bound once.
    /// - Throws: ``TLSSetupError`` for a certificate, key or CA file that cannot be used; then nothing changes.
    public func reload(_ configuration: GatewayConfiguration) throws(TLSSetupError) {
        var serving: TLSServing?
        if let tlsConfiguration = configuration.tls, tls != nil {
            serving = try TLSServing(tlsConfiguration, hosts: configuration.hosts, offersHTTP2: configuration.server.offersHTTP2)
        }
        routes.replace(with: Router(configuration: configuration, handlerIndex: handlerIndex, proxyBackends: proxyBackends))
        dispatcher.allowCurveClients(configuration.handlers.compactMapValues { $0.curve?.allowedClients })
        if let serving, let tls {
            tls.serving.replace(with: serving)
            counters.tlsReloads.add(1, ordering: .relaxed)
        }
        logger.info(
            "routes reloaded", metadata: ["hosts": "\(configuration.hosts.count)", "certificates": "\(serving != nil)"])
    }

    /// Sends to handler sockets that failed with an error since the gateway started, for the metrics.
    public var zeroMQSendFailures: Int { DispatchCounters.sendFailures.load(ordering: .relaxed) }
}
