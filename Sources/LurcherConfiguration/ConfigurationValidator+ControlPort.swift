extension ConfigurationValidator {
    /// `[server] control_port`: an ipc path, or a TCP address that is loopback unless `control_port_allow_remote`
    /// says otherwise, as `[admin] allow_remote` does for the admin listener.
    func validateControlPort(_ endpoint: String, allowRemote: Bool) throws(ConfigurationError) -> ControlPortConfiguration {
        let key = "server.control_port"
        let configuration = ControlPortConfiguration(endpoint: endpoint)
        if let path = configuration.socketPath {
            // The limit of a Unix socket path (sun_path), less its terminating NUL.
            guard !path.isEmpty, path.utf8.count < 108 else {
                throw error(key, "\"\(endpoint)\" needs a socket path shorter than 108 bytes", "use a short path such as \"ipc://run/control\"")
            }
            return configuration
        }
        guard endpoint.hasPrefix(ControlPortConfiguration.tcpScheme) else {
            throw error(
                key, "\"\(endpoint)\" is not an ipc:// or tcp:// endpoint",
                "write it like \"ipc://run/control\" or \"tcp://127.0.0.1:9999\"")
        }
        let (host, _) = try address(String(endpoint.dropFirst(ControlPortConfiguration.tcpScheme.count)), key: key)
        guard allowRemote || Self.isLoopback(host) else {
            throw error(
                key, "\(host) is not a loopback address, and the control port can stop the gateway and close its connections",
                "bind 127.0.0.1 or ::1, use an ipc:// path, or set control_port_allow_remote = true if a firewall guards it")
        }
        return configuration
    }
}
