#if canImport(Glibc)
import Glibc
#endif

/// Wakes a thread blocked in ``zmqPoll(_:timeout:)`` from any other thread.
///
/// Poll ``fileDescriptor`` for `.readable`; ``signal()`` makes it readable and
/// ``drain()`` makes it quiet again. Signals coalesce: many signals before a
/// drain wake the poller once.
///
/// This is a non-blocking pipe. An eventfd would use one descriptor instead of
/// two, but Swift's Glibc module does not export `sys/eventfd.h`.
public final class ZMQWakeup: Sendable {
    /// The descriptor to poll for `.readable`.
    public let fileDescriptor: Int32
    private let writeDescriptor: Int32

    /// Creates the pipe. Throws when the process is out of file descriptors.
    public init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw ZMQError(code: errno, operation: "create wake-up pipe")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    deinit {
        _ = Glibc.close(fileDescriptor)
        _ = Glibc.close(writeDescriptor)
    }

    /// Makes ``fileDescriptor`` readable. Safe from any thread; never blocks.
    public func signal() {
        var byte: UInt8 = 1
        // EAGAIN means the pipe is full, so the poller will wake anyway.
        while write(writeDescriptor, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Consumes every pending signal. Call it on the polling thread after a wake-up.
    public func drain() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let size = MemoryLayout.size(ofValue: buffer)
        while true {
            let count = read(fileDescriptor, &buffer, size)
            if count == size || (count < 0 && errno == EINTR) { continue }
            return
        }
    }
}
