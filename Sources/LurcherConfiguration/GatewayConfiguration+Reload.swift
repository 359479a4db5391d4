extension GatewayConfiguration {
    /// Why a running gateway cannot take `new` as a reload, or nil when it can.
    ///
    /// A reload applies hosts, routes, Dir routes, the default host, each pool's processes and everything in
    /// `[tls]` but its address (the certificate files are read again even when their names stay). Everything
    /// else is bound or opened once at start (listeners, ZeroMQ endpoints, log files), so changing it needs a
    /// restart; the reload is refused rather than half applied.
    /// - Parameter file: the new configuration's file, for the error.
    public func reloadProblem(becoming new: GatewayConfiguration, file: String) -> ConfigurationError? {
        let restart = "keep the running value, or restart lurcher to apply it"
        func problem(_ key: String, _ text: String) -> ConfigurationError {
            ConfigurationError(file: file, key: key, problem: text + " cannot change on reload", fix: restart)
        }
        var oldServer = server
        oldServer.defaultHost = new.server.defaultHost
        if oldServer != new.server { return problem("server", "[server], [limits] and [timeouts]") }
        if proxy != new.proxy { return problem("proxy", "[proxy]") }
        if operations.accessLog != new.operations.accessLog { return problem("access_log", "[access_log]") }
        if operations.admin != new.operations.admin { return problem("admin", "[admin]") }
        if operations.events != new.operations.events { return problem("events", "[events]") }
        if (tls == nil) != (new.tls == nil) { return problem("tls", "whether there is a [tls] listener") }
        if let tls, let newTLS = new.tls, (tls.listenHost, tls.listenPort) != (newTLS.listenHost, newTLS.listenPort) {
            return problem("tls.listen", "[tls] listen")
        }
        for name in Set(handlers.keys).symmetricDifference(new.handlers.keys).sorted() {
            let change = handlers[name] == nil ? "adding" : "removing"
            return ConfigurationError(
                file: file, key: "handlers.\(name)",
                problem: "\(change) a handler needs ZeroMQ endpoints bound or closed, which only happens at start",
                fix: restart)
        }
        for (name, old) in handlers.sorted(by: { $0.key < $1.key }) {
            let updated = new.handlers[name]!
            let key = "handlers.\(name)"
            if old.sendSpec != updated.sendSpec { return problem("\(key).send_spec", "a handler's send_spec") }
            if old.dispatch.name != updated.dispatch.name { return problem("\(key).mode", "a handler's mode") }
            if old.dispatch != updated.dispatch {
                return problem("\(key)", "a handler's recv_spec, heartbeat settings or job_spec")
            }
            if old.sendIdent != updated.sendIdent { return problem("\(key).send_ident", "a handler's send_ident") }
            if old.headerEncoding != updated.headerEncoding { return problem("\(key).protocol", "a handler's protocol") }
            if old.curve?.secretKey != updated.curve?.secretKey {
                return problem("\(key).curve_secret_key", "a handler's curve_secret_key (its sockets are bound with it)")
            }
            if old.uploadStream != updated.uploadStream { return problem("\(key).upload_stream", "a handler's upload_stream") }
            if (old.process == nil) != (updated.process == nil) {
                return problem("\(key).command", "whether a handler has a pool (command present or not)")
            }
        }
        return nil
    }
}
