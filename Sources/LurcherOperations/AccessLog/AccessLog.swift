import Dispatch
import Glibc
import Logging
import LurcherConfiguration
import Synchronization

/// The access-log file: lines are appended to a buffer on the event loops and written by a serial queue
/// shortly after, so a slow disk never blocks I/O.
///
/// Lines that would grow the buffer past ``maxPendingBytes`` (the disk has stalled) are dropped and counted
/// rather than held without bound. ``reopen()`` is for log rotation; ``close()`` writes everything still
/// buffered, so nothing is lost on a clean stop.
public final class AccessLog: Sendable {
    /// Buffered bytes past which new lines are dropped.
    static let maxPendingBytes = 8 * 1024 * 1024
    /// How long a line may wait in the buffer: batching writes is what keeps the cost per request low.
    static let flushDelay: DispatchTimeInterval = .milliseconds(50)

    /// The configured path; `-` is standard output, which is never reopened.
    public let path: String
    private let format: AccessLogConfiguration.Format
    private let pending = Mutex(PendingBatch<[UInt8]>())
    private let droppedCount = Atomic<Int>(0)
    /// The open file; only the queue reads or replaces it.
    private let descriptor: Mutex<Int32>
    private let queue = DispatchQueue(label: "lurcher-access-log")
    private let logger: Logger

    /// Opens (creating if need be) the file for appending.
    /// - Throws: ``AccessLogError`` when it cannot be opened.
    public init(configuration: AccessLogConfiguration, logger: Logger) throws(AccessLogError) {
        path = configuration.path
        format = configuration.format
        self.logger = logger
        descriptor = Mutex(path == "-" ? STDOUT_FILENO : try Self.open(path))
    }

    /// Lines dropped because the buffer was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Formats and buffers a line for `request`.
    public func record(_ request: CompletedRequest) {
        let line = AccessLogLine.make(request, format: format)
        guard let scheduleFlush = pending.withLock({ $0.add(line, cost: line.count, limit: Self.maxPendingBytes) }) else {
            droppedCount.add(1, ordering: .relaxed)
            return
        }
        if scheduleFlush {
            queue.asyncAfter(deadline: .now() + Self.flushDelay) { self.flush() }
        }
    }

    /// Writes what is buffered, then reopens the file by its path (after a rotation moved it away).
    public func reopen() {
        guard path != "-" else { return }
        queue.async {
            self.flush()
            do {
                let fresh = try Self.open(self.path)
                let old = self.descriptor.withLock { descriptor in
                    defer { descriptor = fresh }
                    return descriptor
                }
                Glibc.close(old)
                self.logger.info("reopened the access log", metadata: ["path": "\(self.path)"])
            } catch {
                self.logger.error("cannot reopen the access log; still writing to the old file", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Writes everything buffered and closes the file; waits until done.
    public func close() {
        queue.sync {
            flush()
            let descriptor = self.descriptor.withLock { $0 }
            if descriptor != STDOUT_FILENO { Glibc.close(descriptor) }
        }
    }

    /// Writes the buffer out; runs on the queue.
    private func flush() {
        let bytes = Array(pending.withLock { $0.take() }.joined())
        let descriptor = self.descriptor.withLock { $0 }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    logger.error("cannot write the access log", metadata: ["path": "\(path)", "errno": "\(errno)"])
                    return
                }
                offset += written
            }
        }
    }

    private static func open(_ path: String) throws(AccessLogError) -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AccessLogError(path: path, code: errno) }
        return descriptor
    }
}

/// The access log's file cannot be opened.
public struct AccessLogError: Error, CustomStringConvertible {
    public var path: String
    public var code: Int32

    public var description: String {
        "cannot open the access log \(path): \(String(cString: strerror(code))). Fix: create its directory, "
            + "or set access_log.path to a writable file (or \"-\" for standard output)"
    }
}
