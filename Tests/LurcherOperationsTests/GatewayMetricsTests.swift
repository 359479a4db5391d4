import Glibc
import Testing

@testable import LurcherOperations

/// Metrics render in the Prometheus text format, by route and status.
@Suite struct GatewayMetricsTests {
    private func completed(route: String, status: Int) -> CompletedRequest {
        CompletedRequest(
            connectionID: 1, remoteAddress: "127.0.0.1",
            request: RequestLine(method: "GET", target: route, version: "HTTP/1.1", route: route),
            status: status, bytesSent: 10, bodyBytesSent: 0, startedAt: .now(), duration: .milliseconds(3))
    }

    @Test func requestsAreCountedByRouteAndStatus() {
        let metrics = GatewayMetrics()
        metrics.record(completed(route: "/hello", status: 201))
        metrics.record(completed(route: "/hello", status: 201))
        metrics.record(completed(route: "", status: 404))
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"lurcher_requests_total{route="/hello",status="201"} 2"#))
        #expect(text.contains(#"lurcher_requests_total{route="none",status="404"} 1"#))
        #expect(text.contains(#"lurcher_request_duration_seconds_count{route="/hello"} 2"#))
    }

    @Test func totalsKeptElsewhereOnlyMoveUp() {
        let metrics = GatewayMetrics()
        metrics.update(OperationsSnapshot(openConnections: 3, pools: [.init(name: "p", processes: 2, crashRestarts: 4, rollingRestarts: 1)], eventsDropped: 5))
        metrics.update(OperationsSnapshot(openConnections: 1, pools: [.init(name: "p", processes: 2, crashRestarts: 6, rollingRestarts: 1)], eventsDropped: 5))
        let text = metrics.registry.emitToString()
        #expect(text.contains("lurcher_open_connections 1"))
        #expect(text.contains("lurcher_events_dropped_total 5"))
        #expect(text.contains(#"lurcher_pool_restarts_total{pool="p",reason="crash"} 6"#))
        #expect(text.contains(#"lurcher_pool_processes{pool="p"} 2"#))
    }
}
