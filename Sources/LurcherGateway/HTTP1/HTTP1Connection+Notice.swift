import Logging

extension HTTP1Connection.Notice {
    /// Logs the notice for an operator, and counts those `ctl status` reports.
    func report(connectionID: UInt64, logger: Logger, counters: GatewayCounters) {
        let metadata: Logger.Metadata = ["connection": "\(connectionID)"]
        switch self {
        case .clientLeftWhileAtHandler:
            logger.debug("client left while its request was at a handler", metadata: metadata)
        case .clientTooSlowToSend:
            counters.clientsTooSlowToSend.add(1, ordering: .relaxed)
            logger.info("client too slow to send its request", metadata: metadata)
        case .clientTooSlowToRead:
            counters.clientsTooSlowToRead.add(1, ordering: .relaxed)
            logger.info("client too slow to read its response", metadata: metadata)
        case .handlerLostRequest:
            logger.warning("handler process went away holding a request", metadata: metadata)
        case .handlerTooSlow:
            logger.warning("handler did not reply in time", metadata: metadata)
        case .replyMalformed:
            logger.warning("handler reply is not a valid HTTP response", metadata: metadata)
        case .replyTooLong(let excess):
            logger.warning(
                "dropping bytes a handler sent past the end of its response",
                metadata: metadata.merging(["bytes": "\(excess)"]) { $1 })
        }
    }
}
