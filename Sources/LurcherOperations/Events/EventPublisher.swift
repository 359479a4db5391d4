import LurcherConfiguration
import Synchronization
import ZeroMQ

/// Publishes log events as single-frame JSON messages on a ZeroMQ PUB socket, without ever making the
/// gateway wait.
///
/// The socket lives on a thread of its own (libzmq sockets are not thread-safe). Callers queue encoded
/// events; the thread sends them with `ZMQ_DONTWAIT`. An event is dropped, and counted in ``dropped``,
/// when the queue already holds the high-water mark's worth, or when a subscriber's own queue is full.
public final class EventPublisher: Sendable {
    /// The endpoint bound, with the real port when the configuration gave `*`.
    public let endpoint: String
    private let thread: ZMQLoopThread
    /// The PUB socket, made on the publisher thread and only usable there.
    private let publisher: ZMQLoopBound<ZMQSocket>
    private let queue = Mutex(PendingBatch<[UInt8]>())
    private let capacity: Int
    private let droppedCount = Atomic<Int>(0)

    /// Binds the PUB socket and starts its thread.
    /// - Throws: a `ZMQError` when the endpoint cannot be bound.
    public init(configuration: EventsConfiguration) throws {
        capacity = configuration.highWaterMark
        thread = ZMQLoopThread(name: "lurcher-events", context: ZMQContext())
        // Set by the thread's set-up, which `start` waits for.
        let bound = Mutex<(socket: ZMQLoopBound<ZMQSocket>, endpoint: String)?>(nil)
        try thread.start { loop in
            let publisher = try ZMQSocket(context: loop.context, type: .pub)
            try publisher.setSendHighWaterMark(Int32(clamping: configuration.highWaterMark))
            try publisher.setNoDrop(true)
            // Long enough for what is queued to reach connected subscribers on a clean stop, never long
            // enough to hold the stop up.
            try publisher.setLinger(.milliseconds(500))
            try publisher.bind(configuration.endpoint)
            loop.register(publisher, interest: []) { _, _ in }
            let endpoint = (try? publisher.lastEndpoint) ?? configuration.endpoint
            bound.withLock { $0 = (ZMQLoopBound(publisher, loop: loop), endpoint) }
        }
        let (socket, endpoint) = bound.withLock { $0! }
        publisher = socket
        self.endpoint = endpoint
    }

    /// Events dropped so far.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Queues an event for sending; never blocks.
    public func publish(_ event: [UInt8]) {
        guard let wake = queue.withLock({ $0.add(event, cost: 1, limit: capacity) }) else {
            droppedCount.add(1, ordering: .relaxed)
            return
        }
        // One wake-up per batch: events queued while the thread is busy go out with the next send.
        if wake { thread.execute { [self] _ in sendQueued() } }
    }

    /// Sends what is queued, then closes the socket and stops the thread.
    public func shutdown() {
        thread.execute { [self] _ in sendQueued() }
        thread.shutdown()
    }

    /// Runs on the publisher thread.
    private func sendQueued() {
        let events = queue.withLock { $0.take() }
        let publisher = self.publisher.value
        for event in events {
            let sent = (try? publisher.send(event, dontWait: true)) ?? false
            if !sent { droppedCount.add(1, ordering: .relaxed) }
        }
    }
}
