import Foundation
import Synchronization

/// One thread, living as long as the gateway, that makes every spawn.
///
/// Handler processes ask the kernel for SIGKILL when their parent dies (see ``ExecShim``), and the kernel
/// means the parent *thread*: the thread that called `posix_spawn`. The supervisor is an actor, run on Swift's
/// cooperative threads, which may exit when idle; a spawn made on one of them would kill a healthy handler
/// when that thread went away. This thread never exits, so its children get the signal only when the gateway
/// process itself dies.
final class SpawnerThread: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let jobQueued = DispatchSemaphore(value: 0)

    init() {
        // The thread keeps `self` for good: it never exits, by design.
        let thread = Thread { [self] in
            while true {
                jobQueued.wait()
                jobs.withLock { $0.removeFirst() }()
            }
        }
        thread.name = "lurcher-spawner"
        thread.start()
    }

    /// Runs `work` on the spawner thread and returns its result, blocking the caller until then.
    ///
    /// Blocking keeps a spawn atomic for the actor that asks (no other of its jobs runs between spawning a
    /// process and recording its pid), and is short: `posix_spawn` returns once the child has called `exec`.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        jobs.withLock { $0.append { outcome.set(Result { try work() }) } }
        jobQueued.signal()
        return try outcome.wait()
    }
}

/// A result handed from the spawner thread to the caller that waits for it.
private final class Outcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func set(_ value: Result<T, any Error>) {
        result.withLock { $0 = value }
        done.signal()
    }

    func wait() throws -> T {
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
