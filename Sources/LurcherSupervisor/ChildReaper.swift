import Foundation

/// Waits for child processes to exit, on a thread of its own, and reports each exit.
///
/// `waitpid(-1)` blocks the thread while there are children, which is the only dependable way to see every
/// exit without a SIGCHLD handler; with no children it returns at once, so the thread then sleeps until told
/// that a child was started.
final class ChildReaper: Sendable {
    private let childrenExist = DispatchSemaphore(value: 0)
    private let finished = Atomic(false)

    /// Starts the thread; `exited` gets each child's pid and wait status.
    func start(_ exited: @escaping @Sendable (pid_t, Int32) -> Void) {
        let thread = Thread { [self] in
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, 0)
                if pid > 0 {
                    exited(pid, status)
                } else if errno != EINTR {
                    if finished.load(ordering: .relaxed) { return }
                    childrenExist.wait()
                }
            }
        }
        thread.name = "lurcher-reaper"
        thread.start()
    }

    /// Wakes the thread: there is a child to wait for.
    func childStarted() { childrenExist.signal() }

    /// Lets the thread end once no children are left.
    func finish() {
        finished.store(true, ordering: .relaxed)
        childrenExist.signal()
    }
}

import Synchronization
