import LurcherConfiguration

/// A handler process connected to a broker-mode handler, as the gateway sees it.
///
/// Touched only on the dispatch thread.
final class BrokerWorker {
    /// Its DEALER socket's routing id on the gateway's ROUTER.
    let identity: [UInt8]
    /// The process id it announced, so the supervisor's news of an exit finds it.
    let processID: Int32?
    /// How many requests it takes at once.
    var concurrency: Int
    /// The requests it holds, by request id.
    var requests: Set<UInt64> = []
    /// The WebSockets whose messages go to it, by connection id, and those messages it has not finished, by
    /// request id; they do not count against its concurrency.
    var webSockets: Set<UInt64> = []
    var webSocketMessages: Set<UInt64> = []
    /// It said it is stopping: it finishes what it holds and gets nothing new.
    var leaving = false
    /// The supervisor saw its process exit; it is given up once its last messages have been read.
    var exited = false
    /// The supervisor had asked it to stop (a restart or scale-down), so it did not die.
    var stopped = false
    var lastHeard: ContinuousClock.Instant
    /// When it was last given a request, in dispatch order: the least recently used with room goes first.
    var lastDispatch: UInt64 = 0

    init(identity: [UInt8], processID: Int32?, concurrency: Int, now: ContinuousClock.Instant) {
        self.identity = identity
        self.processID = processID
        self.concurrency = concurrency
        lastHeard = now
    }

    /// Whether it may be sent another request.
    var hasRoom: Bool { !leaving && !exited && requests.count < concurrency }

    func snapshot(now: ContinuousClock.Instant) -> GatewayStatus.HandlerProcess {
        return GatewayStatus.HandlerProcess(
            processID: processID,
            state: leaving || exited ? "leaving" : (requests.count < concurrency ? "ready" : "busy"),
            busy: requests.count,
            concurrency: concurrency,
            lastHeard: (now - lastHeard).inSeconds,
            webSockets: webSockets.count)
    }
}
