import LurcherConfiguration
import Testing

@testable import LurcherGateway

/// Requests are routed by Host header, then by the longest matching prefix.
@Suite struct RouterTests {
    private let router: Router = {
        let configuration = GatewayConfiguration(
            server: ServerConfiguration(defaultHost: "main.test"),
            hosts: [
                HostConfiguration(name: "main.test", routes: [
                    RouteConfiguration(pattern: "/", target: .directory(DirectoryConfiguration(base: "static"))),
                    RouteConfiguration(pattern: "/api", target: .handler("api")),
                    RouteConfiguration(pattern: "/api/v2", target: .handler("v2")),
                ]),
                HostConfiguration(name: "*.wild.test", routes: [RouteConfiguration(pattern: "/", target: .handler("wild"))]),
                HostConfiguration(name: "only.test", routes: [RouteConfiguration(pattern: "/x", target: .handler("api"))]),
            ],
            handlers: [:])
        return Router(configuration: configuration, handlerIndex: ["api": 0, "v2": 1, "wild": 2])
    }()

    private func handlerIndex(host: String, path: String) -> Int? {
        guard case .handler(let index) = router.route(host: Array(host.utf8), path: Array(path.utf8))?.target else { return nil }
        return index
    }

    @Test func theLongestPrefixWins() {
        #expect(handlerIndex(host: "main.test", path: "/api/v2/users") == 1)
        #expect(handlerIndex(host: "main.test", path: "/api/v1") == 0)
        #expect(handlerIndex(host: "main.test", path: "/index.html") == nil, "falls through to the Dir route")
        #expect(router.route(host: Array("main.test".utf8), path: Array("/api/v2".utf8))?.pattern == Array("/api/v2".utf8))
    }

    @Test func hostMatchingIgnoresCaseAndPort() {
        #expect(handlerIndex(host: "MAIN.test:8080", path: "/api") == 0)
    }

    @Test func aWildcardHostMatchesItsSubdomains() {
        #expect(handlerIndex(host: "a.wild.test", path: "/anything") == 2)
        #expect(handlerIndex(host: "deep.a.wild.test", path: "/") == 2)
    }

    @Test func anUnknownHostFallsBackToTheDefaultHost() {
        #expect(handlerIndex(host: "other.example", path: "/api") == 0)
        #expect(handlerIndex(host: "", path: "/api/v2") == 1)
    }

    @Test func aPathNoRouteMatchesHasNoRoute() {
        #expect(router.route(host: Array("only.test".utf8), path: Array("/y".utf8)) == nil)
    }
}
