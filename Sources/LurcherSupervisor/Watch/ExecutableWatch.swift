import Foundation
import Logging

/// Tells which pools' executables a build has replaced, for `lurcher start --watch`.
///
/// It watches the directory holding each executable with inotify, which sees both ways builds replace a
/// file: writing a new one and renaming it over the old, and rewriting it in place. A thread of its own waits
/// in `poll` for the next event or the next debounce deadline (``RebuildDebounce``), whichever comes first:
/// nothing is re-checked on a timer.
public final class ExecutableWatch: Sendable {
    /// Why the executables cannot be watched.
    public struct Unavailable: Error, CustomStringConvertible {
        var reason: String
        public var description: String { "cannot watch the handler executables for --watch: \(reason)" }
    }

    /// The names of the pools whose executable was replaced, each time one is; it finishes once ``stop()`` has
    /// been called.
    public let rebuilt: AsyncStream<String>
    /// The write end of the pipe whose read end ends the thread when it becomes readable.
    private let stopDescriptor: Int32

    /// Starts watching.
    /// - Parameters:
    ///   - executables: each pool's executable, by pool name (see ``Supervisor/executables()``).
    ///   - quiet: how long a file must go unchanged after an event before it counts as rebuilt.
    /// - Throws: ``Unavailable`` when inotify or a directory cannot be watched.
    public init(executables: [String: String], quiet: Duration = .milliseconds(300), logger: Logger) throws {
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw Unavailable(reason: String(cString: strerror(errno))) }
        var stopPipe: [Int32] = [-1, -1]
        // Spawned handlers do not inherit it: the spawner closes every descriptor above 2.
        guard pipe(&stopPipe) == 0 else {
            close(inotify)
            throw Unavailable(reason: String(cString: strerror(errno)))
        }
        let (stopped, stopDescriptor) = (stopPipe[0], stopPipe[1])
        // Directories by watch descriptor: events name the file within one.
        var directories: [Int32: String] = [:]
        var pools: [String: [String]] = [:]
        for (pool, path) in executables {
            let file = URL(fileURLWithPath: path).standardizedFileURL
            let directory = file.deletingLastPathComponent().path
            let watch = inotify_add_watch(
                inotify, directory,
                UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE))
            guard watch >= 0 else {
                for descriptor in [inotify, stopped, stopDescriptor] { close(descriptor) }
                throw Unavailable(reason: "\(directory): \(String(cString: strerror(errno)))")
            }
            directories[watch] = directory
            pools[directory + "/" + file.lastPathComponent, default: []].append(pool)
        }
        let (rebuilt, continuation) = AsyncStream<String>.makeStream()
        self.rebuilt = rebuilt
        self.stopDescriptor = stopDescriptor
        // Read before the thread starts, so a build finishing meanwhile still counts as one.
        let serving = Dictionary(uniqueKeysWithValues: pools.keys.map { ($0, FileIdentity(path: $0)) })
        let thread = Thread { [directories, pools] in
            var debounce = RebuildDebounce<ContinuousClock.Instant>(serving: serving, quiet: quiet)
            Self.watch(inotify: inotify, stop: stopped, directories: directories, debounce: &debounce) { path in
                for pool in pools[path] ?? [] {
                    logger.info("handler executable rebuilt", metadata: ["pool": "\(pool)", "path": "\(path)"])
                    continuation.yield(pool)
                }
            }
            for descriptor in [inotify, stopped, stopDescriptor] { close(descriptor) }
            continuation.finish()
        }
        thread.name = "lurcher-watch"
        thread.start()
    }

    /// Stops watching; ``rebuilt`` then finishes.
    public func stop() {
        var byte: UInt8 = 0
        _ = write(stopDescriptor, &byte, 1)
    }

    /// The thread's loop: until `stop` is readable, feeds inotify's events to `debounce` and reports what it
    /// finds rebuilt.
    private static func watch(
        inotify: Int32, stop: Int32, directories: [Int32: String],
        debounce: inout RebuildDebounce<ContinuousClock.Instant>, rebuilt: (String) -> Void
    ) {
        var descriptors = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let timeout = debounce.nextDeadline.map { deadline in
                Int32(clamping: max(0, (deadline - .now).milliseconds))
            } ?? -1
            let ready = poll(&descriptors, 2, timeout)
            if ready < 0, errno != EINTR { return }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents != 0 {
                let now = ContinuousClock.now
                for path in readEvents(inotify, into: &buffer, directories: directories) {
                    debounce.changed(path, at: now)
                }
            }
            for path in debounce.due(at: .now, identity: FileIdentity.init(path:)) { rebuilt(path) }
        }
    }

    /// The paths named by the events waiting on `inotify`.
    private static func readEvents(_ inotify: Int32, into buffer: inout [UInt8], directories: [Int32: String]) -> [String] {
        var paths: [String] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard count > 0 else { return paths }
            buffer.withUnsafeBytes { bytes in
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = bytes.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    let nameBytes = bytes[nameStart..<nameStart + Int(event.len)].prefix { $0 != 0 }
                    if let directory = directories[event.wd], !nameBytes.isEmpty {
                        paths.append(directory + "/" + String(decoding: nameBytes, as: UTF8.self))
                    }
                    offset = nameStart + Int(event.len)
                }
            }
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, so a wait never ends just before its deadline.
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}
