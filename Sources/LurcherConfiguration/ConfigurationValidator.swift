import Foundation
import LurcherProtocol

/// Turns the file as written into a ``GatewayConfiguration``, rejecting anything the gateway could not run.
struct ConfigurationValidator {
    let file: String

    func validate(_ document: ConfigurationFile) throws(ConfigurationError) -> GatewayConfiguration {
        let handlers = try validateHandlers(document.handlers ?? [:])
        let hosts = try validateHosts(document.hosts ?? [], handlers: handlers)
        var server = try validateServer(document.server)
        server.limits = try validateLimits(document.limits)
        server.timeouts = try validateTimeouts(document.timeouts)
        server.uploads = try validateUploads(document.uploads)
        if let name = server.defaultHost {
            guard hosts.contains(where: { $0.name == name }) else {
                throw error("server.default_host", "no host is named \"\(name)\"", "name one of the [[hosts]] entries")
            }
        } else {
            server.defaultHost = hosts.first?.name
        }
        let operations = try validateOperations(document)
        let tls = try validateTLS(document.tls, hosts: document.hosts ?? [], server: server)
        try validateListenersApart(server: server, tls: tls, operations: operations)
        let proxy = try validateProxyPool(document.proxy)
        return GatewayConfiguration(
            server: server, hosts: hosts, handlers: handlers, operations: operations, tls: tls, proxy: proxy)
    }

    func error(_ key: String, _ problem: String, _ fix: String) -> ConfigurationError {
        ConfigurationError(file: file, key: key, problem: problem, fix: fix)
    }

    private func validateServer(_ section: ConfigurationFile.ServerSection?) throws(ConfigurationError) -> ServerConfiguration {
        var server = ServerConfiguration()
        if let listen = section?.listen {
            (server.listenHost, server.listenPort) = try address(listen, key: "server.listen")
        }
        if let uuid = section?.uuid {
            guard !uuid.isEmpty, !uuid.contains(" ") else {
                throw error("server.uuid", "must be non-empty and without spaces", "use a UUID, e.g. from uuidgen")
            }
            server.uuid = uuid
        }
        server.defaultHost = section?.default_host
        if let control = section?.control {
            guard !control.isEmpty, control.utf8.count < 104 else {
                throw error("server.control", "must be a socket path shorter than 104 bytes", "use a short path such as \"run/lurcher.sock\"")
            }
            server.controlSocket = control
        }
        server.noClobberForwardedFor = section?.no_clobber_xff ?? false
        server.redirectsToHTTPS = section?.redirect_to_https ?? false
        server.offersHTTP2 = section?.http2 ?? true
        server.acceptsCleartextHTTP2 = section?.http2_cleartext ?? false
        if let proxies = section?.trusted_proxies {
            guard let trusted = TrustedProxies(proxies) else {
                throw error(
                    "server.trusted_proxies", "\(proxies) has an entry that is not an address or ADDRESS/PREFIX",
                    "write them like \"10.0.0.0/8\", \"192.0.2.7\" or \"::1\"")
            }
            server.trustedProxies = trusted
        }
        if let endpoint = section?.control_port {
            server.controlPort = try validateControlPort(endpoint, allowRemote: section?.control_port_allow_remote == true)
        }
        return server
    }

    /// Splits `HOST:PORT` (an IPv6 host in brackets).
    func address(_ text: String, key: String) throws(ConfigurationError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else {
            throw error(key, "\"\(text)\" is not HOST:PORT", "write it like \"127.0.0.1:6767\"")
        }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    private func validateLimits(_ section: ConfigurationFile.LimitsSection?) throws(ConfigurationError) -> Limits {
        var limits = Limits()
        func positive(_ value: Int?, _ key: String, into target: inout Int) throws(ConfigurationError) {
            guard let value else { return }
            guard value > 0 else { throw error("limits.\(key)", "must be greater than 0, not \(value)", "use a positive integer") }
            target = value
        }
        try positive(section?.max_uri_bytes, "max_uri_bytes", into: &limits.maxURIBytes)
        try positive(section?.max_header_bytes, "max_header_bytes", into: &limits.maxHeaderBytes)
        try positive(section?.max_header_count, "max_header_count", into: &limits.maxHeaderCount)
        try positive(section?.max_body_bytes, "max_body_bytes", into: &limits.maxBodyBytes)
        try positive(section?.max_pipelined_requests, "max_pipelined_requests", into: &limits.maxPipelinedRequests)
        try positive(section?.max_held_requests, "max_held_requests", into: &limits.maxHeldRequests)
        try positive(section?.max_connections, "max_connections", into: &limits.maxConnections)
        try positive(
            section?.max_websocket_message_bytes, "max_websocket_message_bytes", into: &limits.maxWebSocketMessageBytes)
        try positive(section?.max_concurrent_streams, "max_concurrent_streams", into: &limits.maxConcurrentStreams)
        return limits
    }

    private func validateTimeouts(_ section: ConfigurationFile.TimeoutsSection?) throws(ConfigurationError) -> Timeouts {
        var timeouts = Timeouts()
        func positive(_ value: Seconds?, _ key: String, into target: inout Duration) throws(ConfigurationError) {
            guard let value else { return }
            guard value.duration > .zero else { throw error("timeouts.\(key)", "must be greater than 0", "give a number of seconds") }
            target = value.duration
        }
        try positive(section?.hold, "hold", into: &timeouts.hold)
        try positive(section?.reply, "reply", into: &timeouts.reply)
        try positive(section?.request, "request", into: &timeouts.request)
        try positive(section?.keepalive, "keepalive", into: &timeouts.keepAlive)
        try positive(section?.write, "write", into: &timeouts.write)
        try positive(section?.websocket_idle, "websocket_idle", into: &timeouts.webSocketIdle)
        return timeouts
    }

    private func validateUploads(_ section: ConfigurationFile.UploadsSection?) throws(ConfigurationError) -> Uploads {
        var uploads = Uploads()
        if let threshold = section?.threshold_bytes {
            guard threshold >= 0 else { throw error("uploads.threshold_bytes", "must not be negative", "use 0 or more bytes") }
            uploads.threshold = threshold
        }
        // Absolute, because the path goes to handlers in upload headers and they may run in another directory.
        if let directory = section?.directory {
            uploads.directory = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL.path
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: uploads.directory, isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.isWritableFile(atPath: uploads.directory)
        else {
            throw error("uploads.directory", "\"\(uploads.directory)\" is not a writable directory", "create it, or name another with directory = \"PATH\"")
        }
        return uploads
    }

    private func validateHandlers(
        _ sections: [String: ConfigurationFile.HandlerSection]
    ) throws(ConfigurationError) -> [String: HandlerConfiguration] {
        var handlers: [String: HandlerConfiguration] = [:]
        var endpoints: [String: String] = [:]
        for (name, section) in sections.sorted(by: { $0.key < $1.key }) {
            let key = "handlers.\(name)"
            let dispatch = try validateDispatch(section, key: key)
            var specs = [("send_spec", section.send_spec)]
            if let recvSpec = dispatch.recvSpec { specs.append(("recv_spec", recvSpec)) }
            if case .broker(let broker) = dispatch, let jobSpec = broker.jobSpec { specs.append(("job_spec", jobSpec)) }
            for (field, spec) in specs {
                guard spec.contains("://") else {
                    throw error("\(key).\(field)", "\"\(spec)\" is not a ZeroMQ endpoint", "write it like \"tcp://127.0.0.1:9997\" or \"ipc:///tmp/hello\"")
                }
                if let other = endpoints[spec] {
                    throw error("\(key).\(field)", "\(spec) is already used by \(other)", "give every send_spec, recv_spec and job_spec its own endpoint")
                }
                endpoints[spec] = "\(key).\(field)"
            }
            guard !section.send_ident.isEmpty, !section.send_ident.contains(" ") else {
                throw error("\(key).send_ident", "must be non-empty and without spaces", "use a UUID, e.g. from uuidgen")
            }
            let encoding: HeaderEncoding
            switch section.protocol ?? "json" {
            case "json": encoding = .json
            case "tnetstring": encoding = .tnetstring
            case let other:
                throw error("\(key).protocol", "\"\(other)\" is not a protocol", "use \"json\" or \"tnetstring\"")
            }
            let process = try validatePool(section, key: key)
            let curve = try validateCurve(section, key: key, specs: specs.map { (field: $0.0, spec: $0.1) })
            handlers[name] = HandlerConfiguration(
                name: name, sendSpec: section.send_spec, dispatch: dispatch,
                sendIdent: section.send_ident, headerEncoding: encoding, uploadStream: section.upload_stream ?? false,
                downloadFlowControl: section.download_flow_control ?? false, process: process, curve: curve)
        }
        return handlers
    }

    /// The mode and its keys: push needs `recv_spec`; broker has no use for it, and the heartbeat and job keys are its own.
    private func validateDispatch(_ section: ConfigurationFile.HandlerSection, key: String) throws(ConfigurationError) -> DispatchMode {
        switch section.mode ?? "push" {
        case "push":
            let brokerOnly = [
                ("heartbeat_interval", section.heartbeat_interval != nil), ("heartbeat_liveness", section.heartbeat_liveness != nil),
                ("job_spec", section.job_spec != nil),
            ].filter(\.1).map(\.0)
            if let first = brokerOnly.first {
                throw error("\(key).\(first)", "only applies in broker mode", "add mode = \"broker\", or remove \(brokerOnly.joined(separator: ", "))")
            }
            guard let recvSpec = section.recv_spec else {
                throw error("\(key).recv_spec", "is missing; push mode needs an endpoint for replies", "add recv_spec = \"tcp://127.0.0.1:9996\", or use mode = \"broker\"")
            }
            return .push(recvSpec: recvSpec)
        case "broker":
            if section.recv_spec != nil {
                throw error("\(key).recv_spec", "has no use in broker mode: replies come back on send_spec", "remove recv_spec, or use mode = \"push\"")
            }
            var broker = BrokerConfiguration(jobSpec: section.job_spec)
            if let interval = section.heartbeat_interval {
                guard interval.duration >= .milliseconds(10) else {
                    throw error("\(key).heartbeat_interval", "must be at least 0.01 seconds", "give a number of seconds, e.g. 1")
                }
                broker.heartbeatInterval = interval.duration
            }
            if let liveness = section.heartbeat_liveness {
                guard liveness >= 1 else { throw error("\(key).heartbeat_liveness", "must be at least 1", "give a whole number of intervals, e.g. 3") }
                broker.heartbeatLiveness = liveness
            }
            return .broker(broker)
        case let other:
            throw error("\(key).mode", "\"\(other)\" is not a dispatch mode", "use \"push\" or \"broker\"")
        }
    }

    private func validatePool(_ section: ConfigurationFile.HandlerSection, key: String) throws(ConfigurationError) -> ProcessConfiguration? {
        guard let command = section.command else {
            let stray = [
                ("processes", section.processes != nil), ("min_processes", section.min_processes != nil),
                ("max_processes", section.max_processes != nil), ("working_directory", section.working_directory != nil),
                ("environment", section.environment != nil), ("stop_timeout", section.stop_timeout != nil),
                ("ready_timeout", section.ready_timeout != nil),
            ].filter(\.1).map(\.0)
            if let first = stray.first {
                throw error("\(key).\(first)", "only applies to handler processes, and command is missing", "add command = [\"path/to/handler\"], or remove \(stray.joined(separator: ", "))")
            }
            return nil
        }
        guard let executable = command.first, !executable.isEmpty else {
            throw error("\(key).command", "is empty", "name the executable, e.g. [\".build/debug/hello-handler\"]")
        }
        let minimum = section.min_processes ?? min(section.processes ?? 1, 1)
        let count = section.processes ?? max(minimum, 1)
        let maximum = section.max_processes ?? max(count, 64)
        guard minimum >= 0 else { throw error("\(key).min_processes", "must not be negative", "use 0 or more") }
        guard maximum >= 1 else { throw error("\(key).max_processes", "must be at least 1", "use 1 or more") }
        guard minimum <= maximum else {
            throw error("\(key).min_processes", "is \(minimum), more than max_processes (\(maximum))", "make min_processes <= max_processes")
        }
        guard (minimum...maximum).contains(count) else {
            throw error("\(key).processes", "is \(count), outside min_processes...max_processes (\(minimum)...\(maximum))", "choose a count within the bounds")
        }
        var pool = ProcessConfiguration(
            command: command, count: count, minimum: minimum, maximum: maximum,
            workingDirectory: section.working_directory, environment: section.environment ?? [:])
        for (name, value, target) in [("stop_timeout", section.stop_timeout, \ProcessConfiguration.stopTimeout), ("ready_timeout", section.ready_timeout, \ProcessConfiguration.readyTimeout)] {
            guard let value else { continue }
            guard value.duration > .zero else { throw error("\(key).\(name)", "must be greater than 0", "give a number of seconds") }
            pool[keyPath: target] = value.duration
        }
        return pool
    }

    private func validateHosts(
        _ sections: [ConfigurationFile.HostSection],
        handlers: [String: HandlerConfiguration]
    ) throws(ConfigurationError) -> [HostConfiguration] {
        guard !sections.isEmpty else {
            throw error("hosts", "no host is configured", "add a [[hosts]] table with a name and routes")
        }
        var seen: Set<String> = []
        return try sections.enumerated().map { (index, section) throws(ConfigurationError) in
            let key = "hosts[\(index)]"
            guard !section.name.isEmpty else { throw error("\(key).name", "is empty", "use a host name, a wildcard like \"*.example.com\", or \"*\"") }
            guard seen.insert(section.name.lowercased()).inserted else {
                throw error("\(key).name", "host \"\(section.name)\" is configured twice", "merge the two [[hosts]] tables")
            }
            guard !section.routes.isEmpty else {
                throw error("\(key).routes", "host \"\(section.name)\" has no routes", "add routes, e.g. \"/\" = { dir = \"static\" }")
            }
            let routes = try section.routes.sorted(by: { $0.key < $1.key }).map { (pattern, route) throws(ConfigurationError) in
                try validateRoute(pattern: pattern, route, key: "\(key).routes.\"\(pattern)\"", handlers: handlers)
            }
            return HostConfiguration(
                name: section.name.lowercased(), routes: routes, certificate: try certificatePair(of: section, key: key))
        }
    }

    private func validateRoute(
        pattern: String, _ route: ConfigurationFile.RouteSection, key: String,
        handlers: [String: HandlerConfiguration]
    ) throws(ConfigurationError) -> RouteConfiguration {
        guard pattern.hasPrefix("/") else {
            throw error(key, "a route pattern must start with /", "write it as \"/\(pattern)\"")
        }
        if let proxy = route.proxy {
            return try validateProxyRoute(pattern: pattern, proxy, route, key: key)
        }
        if route.proxy_host != nil {
            throw error("\(key).proxy_host", "only applies to proxy routes", "add proxy = \"http://HOST:PORT\", or remove proxy_host")
        }
        switch (route.handler, route.dir) {
        case (let name?, nil):
            guard handlers[name] != nil else {
                let known = handlers.keys.sorted().joined(separator: ", ")
                throw error("\(key).handler", "no handler is named \"\(name)\"", known.isEmpty ? "add a [handlers.\(name)] table" : "use one of: \(known)")
            }
            guard route.index == nil, route.default_content_type == nil, route.cache_control == nil,
                route.allow_symlinks_outside == nil
            else {
                throw error(key, "index, default_content_type, cache_control and allow_symlinks_outside only apply to dir routes", "remove them")
            }
            return RouteConfiguration(pattern: pattern, target: .handler(name))
        case (nil, let base?):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw error("\(key).dir", "\"\(base)\" is not a directory (relative to \(FileManager.default.currentDirectoryPath))", "create it, or correct the path")
            }
            var directory = DirectoryConfiguration(base: base)
            if let index = route.index {
                guard !index.isEmpty, !index.contains("/") else { throw error("\(key).index", "must be a file name", "use e.g. \"index.html\"") }
                directory.indexFile = index
            }
            if let type = route.default_content_type { directory.defaultContentType = type }
            if let cacheControl = route.cache_control {
                guard !cacheControl.isEmpty, cacheControl.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                    throw error("\(key).cache_control", "must be a non-empty header value without control characters", "write it like \"public, max-age=3600\"")
                }
                directory.cacheControl = cacheControl
            }
            directory.allowSymlinksOutside = route.allow_symlinks_outside ?? false
            return RouteConfiguration(pattern: pattern, target: .directory(directory))
        case (.some, .some):
            throw error(key, "has both handler and dir", "keep one of them")
        case (nil, nil):
            throw error(key, "has neither handler, dir nor proxy", "add handler = \"NAME\", dir = \"PATH\" or proxy = \"http://HOST:PORT\"")
        }
    }
}
