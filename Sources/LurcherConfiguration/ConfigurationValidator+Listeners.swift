extension ConfigurationValidator {
    /// The gateway's TCP listeners (`server.listen`, `tls.listen`, `admin.listen`) on addresses of their own: two
    /// on one port, where their hosts are the same or one is a wildcard, would fail to bind at start.
    func validateListenersApart(
        server: ServerConfiguration, tls: TLSListenerConfiguration?, operations: OperationsConfiguration
    ) throws(ConfigurationError) {
        var listeners = [("server.listen", server.listenHost, server.listenPort)]
        if let tls { listeners.append(("tls.listen", tls.listenHost, tls.listenPort)) }
        if let admin = operations.admin { listeners.append(("admin.listen", admin.listenHost, admin.listenPort)) }
        for (index, (key, host, port)) in listeners.enumerated() where port != 0 {
            for (earlierKey, earlierHost, earlierPort) in listeners[..<index] where earlierPort == port {
                guard host == earlierHost || Self.isWildcard(host) || Self.isWildcard(earlierHost) else { continue }
                throw error(key, "is the same address as \(earlierKey) (port \(port))", "give each listener a port of its own")
            }
        }
    }

    private static func isWildcard(_ host: String) -> Bool {
        ["", "*", "0.0.0.0", "::"].contains(host)
    }
}
