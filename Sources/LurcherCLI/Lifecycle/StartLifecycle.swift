import Synchronization

/// What the services of `lurcher start` share while the group runs: how many have started, and whether they
/// are stopping at once.
///
/// The services start concurrently inside the `ServiceGroup`, so "listening on" is announced only once every
/// one of them has started: when it is logged, `lurcher ctl` answers, the pools are spawned and every signal
/// is handled.
final class StartLifecycle: Sendable {
    private let startup: Mutex<(waiting: Int, announce: (@Sendable () -> Void)?)>
    private let immediate = Atomic<Bool>(false)

    /// - Parameter announce: runs once, when the last service has started.
    init(announce: @escaping @Sendable () -> Void) {
        startup = Mutex((waiting: 0, announce: announce))
    }

    /// Sets how many services ``started()`` waits for; called once, before the group runs.
    func expect(_ count: Int) {
        startup.withLock { $0.waiting = count }
    }

    /// A service has started; the last one to say so runs the announcement.
    func started() {
        let announce = startup.withLock { startup -> (@Sendable () -> Void)? in
            startup.waiting -= 1
            guard startup.waiting == 0 else { return nil }
            defer { startup.announce = nil }
            return startup.announce
        }
        announce?()
    }

    /// Makes the graceful shutdown that follows an immediate one (SIGQUIT): no drain, pools killed.
    func stopNow() {
        immediate.store(true, ordering: .relaxed)
    }

    /// Whether the services stop at once rather than drain.
    var stopsNow: Bool { immediate.load(ordering: .relaxed) }
}
