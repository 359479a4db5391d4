import LurcherConfiguration

/// Where a request goes: matched by Host header, then by the longest route prefix.
struct Router: Sendable {
    /// A route's target, resolved for the hot path: handlers by index into the dispatcher's table.
    enum Target: Sendable {
        case handler(index: Int)
        case directory(DirectoryConfiguration)
        case proxy(ProxyTarget)
    }

    /// A match: the route's pattern (sent to handlers as PATTERN) and its target.
    struct Match: Sendable {
        var pattern: [UInt8]
        var target: Target
    }

    private struct Route: Sendable {
        var pattern: [UInt8]
        var target: Target
    }

    private struct Host: Sendable {
        var name: String
        /// Routes sorted longest pattern first, so the first prefix that matches is the longest.
        var routes: [Route]
    }

    private var exactHosts: [String: Host] = [:]
    /// `*.example.com` hosts by suffix (`.example.com`), longest suffix first.
    private var wildcardHosts: [(suffix: String, host: Host)] = []
    private var defaultHost: Host?

    /// Builds the router; `handlerIndex` maps handler names to the dispatcher's indices, and `proxyBackends` holds
    /// the counters of proxy routes' backends.
    init(configuration: GatewayConfiguration, handlerIndex: [String: Int], proxyBackends: ProxyBackends = ProxyBackends()) {
        for hostConfiguration in configuration.hosts {
            let routes = hostConfiguration.routes.map { route -> Route in
                let target: Target =
                    switch route.target {
                    case .handler(let name): .handler(index: handlerIndex[name]!)
                    case .directory(let directory): .directory(directory)
                    case .proxy(let backend): .proxy(ProxyTarget(configuration: backend, counters: proxyBackends.counters(for: backend)))
                    }
                return Route(pattern: Array(route.pattern.utf8), target: target)
            }.sorted { $0.pattern.count > $1.pattern.count }
            let host = Host(name: hostConfiguration.name, routes: routes)
            if hostConfiguration.name == "*" {
                wildcardHosts.append((suffix: "", host: host))
            } else if hostConfiguration.name.hasPrefix("*.") {
                wildcardHosts.append((suffix: String(hostConfiguration.name.dropFirst()), host: host))
            } else {
                exactHosts[hostConfiguration.name] = host
            }
            if hostConfiguration.name == configuration.server.defaultHost { defaultHost = host }
        }
        wildcardHosts.sort { $0.suffix.count > $1.suffix.count }
    }

    /// The route for a request. `host` is the Host header (any case, port allowed); `path` the raw URL path.
    func route(host: some Collection<UInt8>, path: some Collection<UInt8>) -> Match? {
        guard let virtualHost = virtualHost(named: Self.hostName(host)) else { return nil }
        for route in virtualHost.routes where path.starts(with: route.pattern) {
            return Match(pattern: route.pattern, target: route.target)
        }
        return nil
    }

    private func virtualHost(named name: String) -> Host? {
        if let host = exactHosts[name] { return host }
        for (suffix, host) in wildcardHosts where suffix.isEmpty || name.hasSuffix(suffix) {
            return host
        }
        return defaultHost
    }

    /// Lowercases the Host header and drops its port (and an IPv6 literal's brackets stay).
    static func hostName(_ header: some Collection<UInt8>) -> String {
        // Cut as a string, not as a copied byte array: a short name then costs no allocation at all.
        var name = String(decoding: header, as: UTF8.self)
        if let colon = name.utf8.lastIndex(of: UInt8(ascii: ":")), !name.utf8[colon...].contains(UInt8(ascii: "]")) {
            name = String(name[..<colon])
        }
        return name.lowercased()
    }
}
