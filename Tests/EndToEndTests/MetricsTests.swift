import Foundation
import Testing

/// `GET /metrics` on the admin listener reports requests, connections and pools in the Prometheus format.
@Suite struct MetricsTests {
    @Test func metricsCountRequestsByRouteAndStatusAndShowThePools() async throws {
        let gateway = try await pythonGateway(extra: "[admin]\nlisten = \"127.0.0.1:0\"")
        let port = try #require(gateway.adminPort, "the log names the admin port")
        for _ in 0..<3 { #expect(try gateway.get("/py/created").status == 201) }
        #expect(try gateway.get("/no-such-file").status == 404)
        let open = try gateway.connect()  // one connection stays open while the metrics are read

        // The open client connection, and not the admin one, is counted. The closed connections' ends and the
        // open one's accept reach the gateway in their own time: read until the count has settled on it.
        var response: HTTPResponse?
        try await waitUntil("the open connection count to settle at 1") {
            let metrics = try HTTPConnection(port: port)
            try metrics.send(HTTPConnection.request("GET", "/metrics"))
            response = try metrics.readResponse()
            return response?.text.contains(/lurcher_open_connections 1(\.0)?\n/) == true
        }
        let scraped = try #require(response)
        #expect(scraped.status == 200)
        #expect(scraped.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = scraped.text
        #expect(text.contains(#"lurcher_requests_total{route="/py",status="201"} 3"#))
        #expect(text.contains(#"lurcher_requests_total{route="/",status="404"} 1"#))
        #expect(text.contains(#"lurcher_request_duration_seconds_count{route="/py"} 3"#))
        #expect(text.contains(#"lurcher_pool_processes{pool="py"} 1"#))
        #expect(text.contains(#"lurcher_handler_connections{handler="py"} 1"#))
        #expect(text.contains(#"lurcher_requests_held{handler="py"} 0"#))
        #expect(text.contains("lurcher_zeromq_send_failures_total 0"))
        _ = open
    }

    /// `/health` for a load balancer: 200 while serving, 503 from the moment a stop begins to drain (here held
    /// open by a request its handler never answers), so that no new client is sent to a gateway on its way out.
    @Test func healthIsOKWhileServingAnd503WhileDraining() async throws {
        // A long stop timeout, so that the drain outlasts a loaded machine's delays; the test's end frees it.
        let gateway = try await pythonGateway(extra: "[admin]\nlisten = \"127.0.0.1:0\"", options: ["--stop-timeout", "60"])
        let port = try #require(gateway.adminPort)
        func health() throws -> HTTPResponse {
            let connection = try HTTPConnection(port: port)
            try connection.send(HTTPConnection.request("GET", "/health"))
            return try connection.readResponse()
        }
        #expect(try health().status == 200)
        let pending = try gateway.connect()
        try pending.send(HTTPConnection.request("GET", "/py/never"))
        try await waitUntil("the request to be in flight") { try await gateway.inFlight() == 1 }
        gateway.child.signal(SIGTERM)
        try await waitUntil("health to say draining") { try health().status == 503 }
        #expect(try health().text == "draining\n")
    }

    @Test func theAdminListenerAnswersNothingButMetrics() async throws {
        let gateway = try await pythonGateway(extra: "[admin]\nlisten = \"127.0.0.1:0\"")
        let port = try #require(gateway.adminPort)
        let connection = try HTTPConnection(port: port)
        try connection.send(HTTPConnection.request("GET", "/py/created"))
        #expect(try connection.readResponse().status == 404)
    }
}
