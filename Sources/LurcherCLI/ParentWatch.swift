import CLinux
import Foundation

/// Tells when the process that started this one has exited, for `LURCHER_STOP_WITH_PARENT`.
///
/// It holds a pidfd of the parent, which becomes readable when the parent exits, and waits for that on a thread
/// of its own, blocked in `poll`: no re-checking on a timer. A pidfd names the parent even if its pid is reused
/// by the time it is read, which `getppid` polling could not promise either.
enum ParentWatch {
    /// Why the parent cannot be watched.
    struct Unavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String {
            "cannot watch the parent process for LURCHER_STOP_WITH_PARENT: \(reason) (pidfd_open needs Linux 5.3)"
        }
    }

    /// Calls `exited` once, on a thread of its own, when the current parent process exits; at once if it
    /// already has.
    /// - Throws: ``Unavailable`` when the parent cannot be watched.
    static func start(_ exited: @escaping @Sendable () -> Void) throws {
        let parent = getppid()
        let pidfd = lurcher_pidfd_open(parent)
        guard pidfd >= 0 else {
            // The parent exited between getppid and pidfd_open.
            if errno == ESRCH { return exited() }
            throw Unavailable(reason: String(cString: strerror(errno)))
        }
        // If we were orphaned before pidfd_open, the pid may name another process by now; while getppid still
        // returns it afterwards, the parent had not exited when the pidfd was opened, so the pidfd names it.
        guard getppid() == parent else {
            close(pidfd)
            return exited()
        }
        let thread = Thread {
            var watched = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            while poll(&watched, 1, -1) < 0, errno == EINTR {}
            close(pidfd)
            exited()
        }
        thread.name = "lurcher-parent-watch"
        thread.start()
    }
}
