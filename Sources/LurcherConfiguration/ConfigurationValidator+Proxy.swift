extension ConfigurationValidator {
    /// A route with `proxy = "http://HOST:PORT"`: only plain HTTP, and only a backend's address, since the
    /// request's own path is passed as it is (nginx's `proxy_pass` without a URI).
    func validateProxyRoute(
        pattern: String, _ url: String, _ route: ConfigurationFile.RouteSection, key: String
    ) throws(ConfigurationError) -> RouteConfiguration {
        let others = [
            ("handler", route.handler != nil), ("dir", route.dir != nil), ("index", route.index != nil),
            ("default_content_type", route.default_content_type != nil), ("cache_control", route.cache_control != nil),
            ("allow_symlinks_outside", route.allow_symlinks_outside != nil),
        ].filter(\.1).map(\.0)
        if let first = others.first {
            throw error("\(key).\(first)", "does not apply to a proxy route", "remove \(others.joined(separator: ", ")), or the proxy key")
        }
        let example = "write it like \"http://127.0.0.1:8080\""
        guard url.hasPrefix("http://") else {
            let problem = url.hasPrefix("https://") ? "HTTPS backends are not supported" : "\"\(url)\" is not an http:// URL"
            throw error("\(key).proxy", problem, example)
        }
        var authority = Substring(url.dropFirst("http://".count))
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("?"), !authority.contains("@") else {
            throw error(
                "\(key).proxy", "\"\(url)\" has a path, query or user; the client's own path is passed to the backend",
                "give only the backend's address, e.g. \"http://127.0.0.1:8080\"")
        }
        var backend = ProxyRouteConfiguration()
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
                throw error("\(key).proxy", "\"\(url)\" has no valid port", example)
            }
            backend.port = port
            authority = authority[..<colon]
        }
        backend.host = String(authority).trimmingCharacters(in: ["[", "]"])
        guard !backend.host.isEmpty else { throw error("\(key).proxy", "\"\(url)\" names no host", example) }
        if let host = route.proxy_host {
            guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: ",") }) else {
                throw error("\(key).proxy_host", "must be a host name, without spaces or control characters", "write it like \"api.example.com\"")
            }
            backend.hostHeader = host
        }
        return RouteConfiguration(pattern: pattern, target: .proxy(backend))
    }

    func validateProxyPool(_ section: ConfigurationFile.ProxySection?) throws(ConfigurationError) -> ProxyPoolConfiguration {
        var pool = ProxyPoolConfiguration()
        if let count = section?.max_idle_connections {
            guard count >= 0 else { throw error("proxy.max_idle_connections", "must not be negative", "use 0 (no keep-alive) or more") }
            pool.maxIdleConnections = count
        }
        if let timeout = section?.idle_timeout {
            guard timeout.duration > .zero else { throw error("proxy.idle_timeout", "must be greater than 0", "give a number of seconds, e.g. 60") }
            pool.idleTimeout = timeout.duration
        }
        return pool
    }
}
