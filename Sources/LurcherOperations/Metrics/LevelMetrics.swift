import CoreMetrics
import Prometheus

/// The metrics read from an ``OperationsSnapshot`` at scrape time: gauges set to the level, counters moved
/// up to the total.
struct LevelMetrics {
    private let factory: PrometheusMetricsFactory
    private let openConnections: CoreMetrics.Gauge
    private let inFlight: CoreMetrics.Gauge
    private let sendFailures: TotalCounter
    private let eventsDropped: TotalCounter
    private let accessLogDropped: TotalCounter
    private let reservedHeadersRemoved: TotalCounter
    private let openWebSockets: CoreMetrics.Gauge
    private let webSocketMessagesReceived: TotalCounter
    private let webSocketFramesSent: TotalCounter
    private let tlsFailures: TotalCounter
    private var held: [String: CoreMetrics.Gauge] = [:]
    private var connected: [String: CoreMetrics.Gauge] = [:]
    private var processes: [String: CoreMetrics.Gauge] = [:]
    private var restarts: [String: TotalCounter] = [:]
    private var backendTotals: [String: TotalCounter] = [:]
    private var backendConnections: [String: CoreMetrics.Gauge] = [:]

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
        openConnections = CoreMetrics.Gauge(label: "lurcher_open_connections", factory: factory)
        inFlight = CoreMetrics.Gauge(label: "lurcher_requests_in_flight", factory: factory)
        sendFailures = TotalCounter(label: "lurcher_zeromq_send_failures_total", factory: factory)
        eventsDropped = TotalCounter(label: "lurcher_events_dropped_total", factory: factory)
        accessLogDropped = TotalCounter(label: "lurcher_access_log_dropped_total", factory: factory)
        reservedHeadersRemoved = TotalCounter(label: "lurcher_reserved_headers_removed_total", factory: factory)
        openWebSockets = CoreMetrics.Gauge(label: "lurcher_open_websockets", factory: factory)
        webSocketMessagesReceived = TotalCounter(label: "lurcher_websocket_messages_received_total", factory: factory)
        webSocketFramesSent = TotalCounter(label: "lurcher_websocket_frames_sent_total", factory: factory)
        tlsFailures = TotalCounter(label: "lurcher_tls_failures_total", factory: factory)
    }

    mutating func update(_ snapshot: OperationsSnapshot) {
        openConnections.record(snapshot.openConnections)
        inFlight.record(snapshot.inFlight)
        sendFailures.advance(to: snapshot.zeroMQSendFailures)
        eventsDropped.advance(to: snapshot.eventsDropped)
        accessLogDropped.advance(to: snapshot.accessLogDropped)
        reservedHeadersRemoved.advance(to: snapshot.reservedHeadersRemoved)
        openWebSockets.record(snapshot.openWebSockets)
        webSocketMessagesReceived.advance(to: snapshot.webSocketMessagesReceived)
        webSocketFramesSent.advance(to: snapshot.webSocketFramesSent)
        tlsFailures.advance(to: snapshot.tlsFailures)
        for handler in snapshot.handlers {
            gauge(&held, "lurcher_requests_held", ("handler", handler.name)).record(handler.held)
            gauge(&connected, "lurcher_handler_connections", ("handler", handler.name)).record(handler.connected)
        }
        for backend in snapshot.proxyBackends {
            let backendDimension = ("backend", backend.name)
            gauge(&backendConnections, "lurcher_proxy_connections", backendDimension).record(backend.connectionsOpen)
            for (label, extra, total) in [
                ("lurcher_proxy_requests_total", nil, backend.requests),
                ("lurcher_proxy_failures_total", ("kind", "bad_gateway"), backend.badGateway),
                ("lurcher_proxy_failures_total", ("kind", "timeout"), backend.timedOut),
                ("lurcher_proxy_failures_total", ("kind", "cut_short"), backend.cutShort),
                ("lurcher_proxy_connections_opened_total", nil, backend.connectionsOpened),
                ("lurcher_proxy_connections_reused_total", nil, backend.connectionsReused),
            ] as [(String, (String, String)?, Int)] {
                let dimensions = [backendDimension] + (extra.map { [$0] } ?? [])
                let key = ([label] + dimensions.map(\.1)).joined(separator: "\u{0}")
                let counter = backendTotals[key] ?? TotalCounter(label: label, dimensions: dimensions, factory: factory)
                backendTotals[key] = counter
                counter.advance(to: total)
            }
        }
        for pool in snapshot.pools {
            gauge(&processes, "lurcher_pool_processes", ("pool", pool.name)).record(pool.processes)
            for (reason, total) in [("crash", pool.crashRestarts), ("rolling", pool.rollingRestarts)] {
                let key = pool.name + "\u{0}" + reason
                let counter = restarts[key] ?? TotalCounter(
                    label: "lurcher_pool_restarts_total", dimensions: [("pool", pool.name), ("reason", reason)], factory: factory)
                restarts[key] = counter
                counter.advance(to: total)
            }
        }
    }

    private func gauge(_ cache: inout [String: CoreMetrics.Gauge], _ label: String, _ dimension: (String, String)) -> CoreMetrics.Gauge {
        if let gauge = cache[dimension.1] { return gauge }
        let gauge = CoreMetrics.Gauge(label: label, dimensions: [dimension], factory: factory)
        cache[dimension.1] = gauge
        return gauge
    }
}

/// A counter fed a running total kept elsewhere: it moves up by the difference since the last look.
final class TotalCounter {
    private let counter: CoreMetrics.Counter
    private var last = 0

    init(label: String, dimensions: [(String, String)] = [], factory: PrometheusMetricsFactory) {
        counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
    }

    func advance(to total: Int) {
        if total > last { counter.increment(by: total - last) }
        last = max(last, total)
    }
}
