import Testing

@testable import LurcherConfiguration

/// `proxy = "http://HOST:PORT"` routes, `proxy_host`, and the `[proxy]` pool section.
@Suite struct ProxyConfigurationTests {
    private func configuration(route: String, extra: String = "") throws(ConfigurationError) -> GatewayConfiguration {
        try ConfigurationLoader.parse(
            """
            [[hosts]]
            name = "localhost"
            [hosts.routes]
            "/api/" = \(route)

            \(extra)
            """, file: "test.toml")
    }

    private func error(route: String, extra: String = "") -> ConfigurationError? {
        do {
            _ = try configuration(route: route, extra: extra)
            return nil
        } catch {
            return error
        }
    }

    @Test func aProxyRouteNamesItsBackend() throws {
        let loaded = try configuration(route: #"{ proxy = "http://127.0.0.1:8080/" }"#)
        guard case .proxy(let backend) = try #require(loaded.hosts.first?.routes.first).target else {
            Issue.record("not a proxy route")
            return
        }
        #expect(backend == ProxyRouteConfiguration(host: "127.0.0.1", port: 8080, hostHeader: nil))
        #expect(loaded.proxy == ProxyPoolConfiguration(), "the pool has its defaults")

        let named = try configuration(route: #"{ proxy = "http://[::1]", proxy_host = "api.internal" }"#)
        guard case .proxy(let other) = try #require(named.hosts.first?.routes.first).target else { return }
        #expect(other == ProxyRouteConfiguration(host: "::1", port: 80, hostHeader: "api.internal"))
        #expect(other.name == "[::1]:80")
    }

    @Test(arguments: [
        (#"{ proxy = "https://127.0.0.1:8443" }"#, "HTTPS backends are not supported"),
        (#"{ proxy = "127.0.0.1:8080" }"#, "is not an http:// URL"),
        (#"{ proxy = "http://127.0.0.1:8080/base" }"#, "has a path"),
        (#"{ proxy = "http://127.0.0.1:99999" }"#, "no valid port"),
        (#"{ proxy = "http://127.0.0.1:8080", dir = "static" }"#, "does not apply to a proxy route"),
        (#"{ proxy = "http://127.0.0.1:8080", proxy_host = "a b" }"#, "must be a host name"),
    ])
    func aBadProxyRouteNamesTheKeyAndTheFix(route: String, problem: String) throws {
        let found = try #require(error(route: route))
        #expect(found.key.hasPrefix("hosts[0].routes.\"/api/\""))
        #expect(found.problem.contains(problem), "\(found)")
        #expect(!found.fix.isEmpty)
    }

    @Test func proxyHostOnlyAppliesToProxyRoutes() throws {
        let found = try #require(error(route: #"{ dir = ".", proxy_host = "x" }"#))
        #expect(found.key == "hosts[0].routes.\"/api/\".proxy_host")
    }

    @Test func thePoolSectionIsReadAndChecked() throws {
        let loaded = try configuration(
            route: #"{ proxy = "http://127.0.0.1:8080" }"#, extra: "[proxy]\nmax_idle_connections = 4\nidle_timeout = 2.5")
        #expect(loaded.proxy == ProxyPoolConfiguration(maxIdleConnections: 4, idleTimeout: .milliseconds(2500)))
        #expect(error(route: #"{ proxy = "http://127.0.0.1:8080" }"#, extra: "[proxy]\nidle_timeout = 0")?.key == "proxy.idle_timeout")
        #expect(
            error(route: #"{ proxy = "http://127.0.0.1:8080" }"#, extra: "[proxy]\nmax_idle_connections = -1")?.key
                == "proxy.max_idle_connections")
        let reload = loaded.reloadProblem(
            becoming: try configuration(route: #"{ proxy = "http://127.0.0.1:8080" }"#), file: "test.toml")
        #expect(reload?.key == "proxy", "the pool is made at start")
    }
}
