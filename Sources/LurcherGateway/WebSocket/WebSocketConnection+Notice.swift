import Logging

extension WebSocketConnection.Notice {
    /// Logs the notice for an operator, and counts those `ctl status` reports.
    func report(connectionID: UInt64, logger: Logger, counters: GatewayCounters) {
        let metadata: Logger.Metadata = ["connection": "\(connectionID)"]
        switch self {
        case .violation(let violation):
            counters.webSocketViolations.add(1, ordering: .relaxed)
            logger.info(
                "closing a WebSocket that broke the protocol",
                metadata: metadata.merging(["code": "\(violation.code.rawValue)", "reason": "\(violation.reason)"]) { $1 })
        case .idle:
            logger.debug("closing an idle WebSocket", metadata: metadata)
        case .clientTooSlowToRead:
            counters.clientsTooSlowToRead.add(1, ordering: .relaxed)
            logger.info("client too slow to read its WebSocket", metadata: metadata)
        case .handlerGone(let code):
            logger.warning(
                "closing a WebSocket whose handler is gone", metadata: metadata.merging(["code": "\(code.rawValue)"]) { $1 })
        }
    }
}
