import CZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// The poll loop that runs on a ``ZMQLoopThread`` and owns that thread's sockets.
///
/// Use it only on its own thread: in the set-up closure given to
/// ``ZMQLoopThread/start(_:)``, in work passed to ``ZMQLoopThread/execute(_:)``,
/// and in the handlers and timers it calls.
///
/// Socket readiness is level-triggered (the loop polls socket items, not
/// `ZMQ_FD`): a handler is called again on the next iteration while its socket
/// stays readable. Handlers should still receive with `dontWait` in a loop,
/// bounded (say, 1024 messages) so that other sockets get their turn.
public final class ZMQLoop {
    private final class SocketRegistration {
        let socket: ZMQSocket
        var interest: ZMQPollEvents
        let handler: (ZMQSocket, ZMQPollEvents) -> Void
        var isActive = true

        init(socket: ZMQSocket, interest: ZMQPollEvents, handler: @escaping (ZMQSocket, ZMQPollEvents) -> Void) {
            self.socket = socket
            self.interest = interest
            self.handler = handler
        }
    }

    private final class DescriptorRegistration {
        let fileDescriptor: Int32
        var interest: ZMQPollEvents
        let handler: (Int32, ZMQPollEvents) -> Void
        var isActive = true

        init(fileDescriptor: Int32, interest: ZMQPollEvents, handler: @escaping (Int32, ZMQPollEvents) -> Void) {
            self.fileDescriptor = fileDescriptor
            self.interest = interest
            self.handler = handler
        }
    }

    /// The context to make the loop's sockets in.
    public let context: ZMQContext

    private let wakeup: ZMQWakeup
    private var sockets: [SocketRegistration] = []
    private var descriptors: [DescriptorRegistration] = []
    private var timers = TimerQueue()
    /// What one turn polls, rebuilt on every turn from the registrations as they are then (a cached poll set once
    /// lost a handler's last reply before exit, cause not found), but into storage kept between turns: the
    /// loop turns once or twice per proxied request when lightly loaded, and two arrays a turn showed.
    private var pollItems: [zmq_pollitem_t] = []
    private var polledSockets: [SocketRegistration] = []
    private var polledDescriptors: [DescriptorRegistration] = []

    /// The thread the loop runs on: the one that created it.
    let thread = pthread_self()

    /// Whether the caller is on the loop's thread.
    public var isOnLoopThread: Bool {
        pthread_equal(thread, pthread_self()) != 0
    }

    /// How many times the loop has polled; lets tests check that an idle loop sleeps.
    private(set) var iterations = 0

    init(wakeup: ZMQWakeup, context: ZMQContext) {
        self.wakeup = wakeup
        self.context = context
    }

    /// Calls `handler` on this thread whenever `socket` is ready for any event in `interest`.
    ///
    /// Registering a socket again replaces its interest and handler. The loop
    /// keeps the socket open until it is unregistered or the loop ends; a
    /// socket closed elsewhere is dropped from the loop.
    public func register(
        _ socket: ZMQSocket,
        interest: ZMQPollEvents,
        handler: @escaping (ZMQSocket, ZMQPollEvents) -> Void
    ) {
        unregister(socket)
        sockets.append(SocketRegistration(socket: socket, interest: interest, handler: handler))
    }

    /// Changes what a registered socket is watched for, such as adding
    /// `.writable` only while there is output to flush. Empty stops watching
    /// without unregistering.
    public func setInterest(_ socket: ZMQSocket, _ events: ZMQPollEvents) {
        for registration in sockets where registration.socket === socket {
            registration.interest = events
        }
    }

    /// Stops watching a socket. The socket stays open.
    public func unregister(_ socket: ZMQSocket) {
        sockets.removeAll { registration in
            guard registration.socket === socket else { return false }
            registration.isActive = false
            return true
        }
    }

    /// Calls `handler` on this thread whenever a file descriptor is ready.
    ///
    /// The loop does not own the descriptor; unregister it before closing it.
    public func register(
        fileDescriptor: Int32,
        interest: ZMQPollEvents = .readable,
        handler: @escaping (Int32, ZMQPollEvents) -> Void
    ) {
        unregister(fileDescriptor: fileDescriptor)
        descriptors.append(DescriptorRegistration(fileDescriptor: fileDescriptor, interest: interest, handler: handler))
    }

    /// Stops watching a file descriptor.
    public func unregister(fileDescriptor: Int32) {
        descriptors.removeAll { registration in
            guard registration.fileDescriptor == fileDescriptor else { return false }
            registration.isActive = false
            return true
        }
    }

    /// Runs `body` on this thread once `deadline` has passed, never before.
    @discardableResult
    public func schedule(at deadline: ContinuousClock.Instant, _ body: @escaping () -> Void) -> TimerID {
        timers.schedule(at: deadline, body)
    }

    /// Runs `body` on this thread once `delay` has passed.
    @discardableResult
    public func schedule(after delay: Duration, _ body: @escaping () -> Void) -> TimerID {
        schedule(at: .now + delay, body)
    }

    /// Cancels a timer that has not fired yet; cancelling a fired or cancelled timer does nothing.
    public func cancel(_ id: TimerID) {
        timers.cancel(id)
    }

    /// Waits for the wake-up descriptor, a registered socket or descriptor, or
    /// the earliest timer, then calls whatever is ready.
    func pollOnce() throws {
        iterations += 1
        sockets.removeAll { registration in
            guard registration.socket.isClosed else { return false }
            registration.isActive = false
            return true
        }
        // Emptied after the turn too, so that an unregistered socket is not kept open until the next one.
        defer {
            polledSockets.removeAll(keepingCapacity: true)
            polledDescriptors.removeAll(keepingCapacity: true)
        }
        pollItems.removeAll(keepingCapacity: true)
        pollItems.append(zmq_pollitem_t(socket: nil, fd: wakeup.fileDescriptor, events: Int16(ZMQ_POLLIN), revents: 0))
        for registration in sockets where !registration.interest.isEmpty {
            polledSockets.append(registration)
            pollItems.append(zmq_pollitem_t(socket: registration.socket.handle, fd: -1, events: registration.interest.rawValue, revents: 0))
        }
        for registration in descriptors where !registration.interest.isEmpty {
            polledDescriptors.append(registration)
            pollItems.append(zmq_pollitem_t(socket: nil, fd: registration.fileDescriptor, events: registration.interest.rawValue, revents: 0))
        }

        var timeout: Int64 = -1
        if let deadline = timers.earliestDeadline() {
            timeout = (deadline - .now).roundedUpMilliseconds
        }

        if try zmqPollRaw(&pollItems, timeoutMilliseconds: timeout) > 0 {
            if pollItems[0].revents != 0 { wakeup.drain() }
            // Earlier handlers may unregister, close or re-register later entries; check each before calling.
            for (offset, registration) in polledSockets.enumerated() {
                let ready = ZMQPollEvents(rawValue: pollItems[1 + offset].revents).intersection(registration.interest)
                guard !ready.isEmpty, registration.isActive, !registration.socket.isClosed else { continue }
                registration.handler(registration.socket, ready)
            }
            let base = 1 + polledSockets.count
            for (offset, registration) in polledDescriptors.enumerated() {
                let ready = ZMQPollEvents(rawValue: pollItems[base + offset].revents)
                    .intersection(registration.interest.union(.error))
                guard !ready.isEmpty, registration.isActive else { continue }
                registration.handler(registration.fileDescriptor, ready)
            }
        }

        for id in timers.popDue(now: .now) {
            if let body = timers.take(id) { body() }
        }
    }

    /// Closes every registered socket and forgets all handlers and timers; runs when the loop ends.
    func closeAll() {
        for registration in sockets {
            registration.isActive = false
            registration.socket.close()
        }
        sockets.removeAll()
        descriptors.removeAll()
        timers.removeAll()
    }
}

@available(*, unavailable)
extension ZMQLoop: Sendable {}
