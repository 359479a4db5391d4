import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A dedicated thread that owns ZeroMQ sockets and runs a ``ZMQLoop`` over them.
///
/// libzmq sockets are not thread-safe, so every socket a component uses is
/// created and used on this one thread. Other threads hand it work with
/// ``execute(_:)``, which wakes the loop through a ``ZMQWakeup``.
///
/// ```swift
/// let thread = ZMQLoopThread(name: "dispatcher", context: context)
/// try thread.start { loop in
///     let pull = try ZMQSocket(context: loop.context, type: .pull)
///     ...
/// }
/// thread.execute { loop in /* on the loop thread */ }
/// thread.shutdown()
/// ```
public final class ZMQLoopThread: Sendable {
    /// The thread's name, as shown by debuggers, `perf` and `ps -L`. Linux refuses names over 15 bytes, and
    /// the thread then keeps the name of the thread that started it.
    public let name: String

    /// The context the loop's sockets are made in.
    public let context: ZMQContext

    private let core = Core()

    /// Creates the thread object; ``start(_:)`` starts the thread.
    public init(name: String, context: ZMQContext) {
        self.name = name
        self.context = context
    }

    deinit {
        shutdown()
    }

    /// Starts the thread, runs `setUp` on it, then runs the loop.
    ///
    /// Blocks until `setUp` has returned. If it throws, the loop does not run,
    /// the sockets it registered are closed, the thread is joined and the
    /// error is rethrown here. Call it once.
    public func start(_ setUp: @escaping @Sendable (ZMQLoop) throws -> Void) throws {
        let wakeup = try ZMQWakeup()
        let alreadyUsed = core.state.withLock { state in
            defer { state.started = true }
            if !state.started && !state.stopRequested { state.wakeup = wakeup }
            return state.started || state.stopRequested
        }
        if alreadyUsed {
            throw ZMQError(code: EINVAL, operation: "start loop thread \(name): already started or shut down")
        }

        let setUpDone = DispatchSemaphore(value: 0)
        let setUpError = Mutex<(any Error)?>(nil)
        // The thread holds the core and context, not `self`, so dropping the last
        // reference to this object still shuts the loop down.
        let core = self.core
        let context = self.context
        let thread: pthread_t
        do {
            thread = try spawnThread(name: name) {
                let loop = ZMQLoop(wakeup: wakeup, context: context)
                do {
                    try setUp(loop)
                } catch {
                    setUpError.withLock { $0 = error }
                    core.finish()
                    loop.closeAll()
                    setUpDone.signal()
                    return
                }
                setUpDone.signal()
                core.run(loop)
            }
        } catch {
            core.finish()
            throw error
        }
        setUpDone.wait()

        if let error = setUpError.withLock({ $0 }) {
            pthread_join(thread, nil)
            throw error
        }
        // A shutdown that raced with start found no thread to join; join it here instead.
        let joinNow = core.state.withLock { state in
            if state.stopRequested { return true }
            state.thread = thread
            return false
        }
        if joinNow { pthread_join(thread, nil) }
    }

    /// Runs `work` on the loop thread at its next iteration, in the order submitted.
    ///
    /// Safe from any thread, including the loop thread. Work submitted before
    /// ``shutdown()`` still runs; after it, this does nothing.
    public func execute(_ work: @escaping @Sendable (ZMQLoop) -> Void) {
        let wakeup = core.state.withLock { state -> ZMQWakeup? in
            guard !state.stopRequested else { return nil }
            state.queue.append(work)
            // Only the first item needs a wake-up: the loop takes the whole queue after the poll that the wake-up
            // ends, so work added behind it is taken too. Saves a write and a read per item under load.
            // (nil before start: the loop takes the queue when it starts.)
            return state.queue.count == 1 ? state.wakeup : nil
        }
        wakeup?.signal()
    }

    /// Stops the loop and waits for its thread to finish.
    ///
    /// Work already submitted runs first; then every socket registered with
    /// the loop is closed on the loop thread. Called from the loop thread
    /// itself, it only asks the loop to stop after the current iteration.
    /// Idempotent; a second concurrent call does not wait.
    public func shutdown() {
        let (thread, wakeup) = core.state.withLock { state in
            state.stopRequested = true
            defer { state.thread = nil }
            return (state.thread, state.wakeup)
        }
        wakeup?.signal()
        guard let thread else { return }
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }
}

extension ZMQLoopThread {
    /// The state shared with the loop thread. The thread holds this rather
    /// than the ``ZMQLoopThread``, so dropping the last reference to that shuts the loop down.
    fileprivate final class Core: Sendable {
        struct State {
            var queue: [@Sendable (ZMQLoop) -> Void] = []
            var started = false
            var stopRequested = false
            var wakeup: ZMQWakeup?
            var thread: pthread_t?
        }

        let state = Mutex(State())

        /// The loop thread's body after set-up.
        func run(_ loop: ZMQLoop) {
            while true {
                // Taking the queue and the stop flag together means work submitted before shutdown always runs.
                let (work, stop) = state.withLock { state in
                    defer { state.queue.removeAll(keepingCapacity: true) }
                    return (state.queue, state.stopRequested)
                }
                for item in work { item(loop) }
                if stop { break }
                do {
                    try loop.pollOnce()
                } catch {
                    // Only ETERM or an invalid item reach here: the context is going away.
                    break
                }
            }
            finish()
            loop.closeAll()
        }

        /// Refuses further work and drops any that did not run.
        func finish() {
            let dropped = state.withLock { state in
                state.stopRequested = true
                defer { state.queue.removeAll() }
                return state.queue
            }
            _ = dropped  // Released outside the lock: closures may capture anything.
        }
    }
}

/// Body handed to a new pthread.
private final class ThreadBody: Sendable {
    let name: String
    let run: @Sendable () -> Void

    init(name: String, run: @escaping @Sendable () -> Void) {
        self.name = name
        self.run = run
    }
}

/// Spawns a joinable pthread. pthread rather than Foundation's `Thread`
/// because shutdown must join it.
private func spawnThread(name: String, _ run: @escaping @Sendable () -> Void) throws -> pthread_t {
    let body = Unmanaged.passRetained(ThreadBody(name: name, run: run)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { argument in
        let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
        // Foundation sets the OS thread name (pthread_setname_np is not exported to Swift).
        Thread.current.name = body.name
        body.run()
        return nil
    }, body)
    guard rc == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(body).release()
        throw ZMQError(code: rc, operation: "start thread \(name)")
    }
    return thread
}
