import CoreMetrics
import Prometheus
import Synchronization

/// The gateway's Prometheus metrics: recorded through swift-metrics into a registry of its own, which the
/// admin listener renders.
///
/// Request counts and latencies are recorded as requests finish. Levels (connections, held requests,
/// processes) and totals kept elsewhere (crashes, send failures, drops) are read when scraped, through
/// ``update(_:)``, so the hot paths that keep them need not know about metrics.
public final class GatewayMetrics: Sendable {
    /// The registry the metrics live in; render it with `emit(into:)`.
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    /// Per route: the latency histogram, and the request counter per status.
    private struct RouteMetrics {
        var latency: CoreMetrics.Timer
        var requests: [Int: CoreMetrics.Counter] = [:]
    }

    private let routes = Mutex<[String: RouteMetrics]>([:])
    private let levels: Mutex<LevelMetrics>

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Gateway latencies are mostly well under the default 5 ms first bucket.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        self.factory = factory
        levels = Mutex(LevelMetrics(factory: factory))
    }

    /// Counts a finished request by route and status, and records its latency.
    public func record(_ request: CompletedRequest) {
        let route = request.routeLabel
        let (counter, latency) = routes.withLock { routes in
            var metrics = routes[route] ?? RouteMetrics(
                latency: CoreMetrics.Timer(label: "lurcher_request_duration_seconds", dimensions: [("route", route)], factory: factory))
            let counter = metrics.requests[request.status] ?? CoreMetrics.Counter(
                label: "lurcher_requests_total", dimensions: [("route", route), ("status", String(request.status))],
                factory: factory)
            metrics.requests[request.status] = counter
            routes[route] = metrics
            return (counter, metrics.latency)
        }
        counter.increment()
        latency.recordNanoseconds(Int64(request.duration.components.seconds) * 1_000_000_000
            + request.duration.components.attoseconds / 1_000_000_000)
    }

    /// Brings the levels and outside totals up to date; call before rendering.
    public func update(_ snapshot: OperationsSnapshot) {
        levels.withLock { $0.update(snapshot) }
    }
}
