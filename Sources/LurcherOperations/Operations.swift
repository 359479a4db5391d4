import Logging
import LurcherConfiguration

/// What a running gateway feeds for its operators: the access log, metrics and log events, each present
/// only when configured.
public final class Operations: Sendable {
    public let accessLog: AccessLog?
    public let metrics: GatewayMetrics?
    public let events: EventPublisher?
    /// The server's uuid, put in every event.
    private let gateway: String

    /// Opens the access log and binds the event socket the configuration asks for.
    /// - Throws: ``AccessLogError``, or a `ZMQError` when the event endpoint cannot be bound.
    public init(configuration: GatewayConfiguration, logger: Logger) throws {
        let operations = configuration.operations
        accessLog = try operations.accessLog.map { configuration throws in try AccessLog(configuration: configuration, logger: logger) }
        metrics = operations.admin == nil ? nil : GatewayMetrics()
        events = try operations.events.map { try EventPublisher(configuration: $0) }
        gateway = configuration.server.uuid
    }

    /// Whether anything wants to hear about each request; when not, the gateway does not gather the details.
    public var recordsRequests: Bool { accessLog != nil || metrics != nil || events != nil }

    /// Logs, counts and publishes one answered request.
    public func requestCompleted(_ request: CompletedRequest) {
        accessLog?.record(request)
        metrics?.record(request)
        events?.publish(LogEvent.request(request).json(gateway: gateway))
    }

    /// Publishes an event, when events are configured.
    public func publish(_ event: LogEvent) {
        events?.publish(event.json(gateway: gateway))
    }

    /// Events and access-log lines dropped so far, for the metrics.
    public var dropped: (events: Int, accessLog: Int) { (events?.dropped ?? 0, accessLog?.dropped ?? 0) }

    /// Writes out what is buffered and closes the log and the event socket.
    public func close() {
        accessLog?.close()
        events?.shutdown()
    }
}
