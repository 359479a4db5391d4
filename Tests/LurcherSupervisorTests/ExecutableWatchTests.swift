import Foundation
import Logging
import Testing

@testable import LurcherSupervisor

/// The watch sees the two ways a build replaces an executable, through inotify on its directory.
@Suite struct ExecutableWatchTests {
    /// A temp folder holding `handler`, and a watch on it for pool `p`.
    struct Watched {
        let directory = NSTemporaryDirectory() + "lurcher-watch-" + UUID().uuidString.prefix(8)
        var executable: String { directory + "/handler" }
        let watch: ExecutableWatch

        init() throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "v1".write(toFile: directory + "/handler", atomically: false, encoding: .utf8)
            watch = try ExecutableWatch(
                executables: ["p": directory + "/handler"], quiet: .milliseconds(50), logger: Logger(label: "test"))
        }

        /// The next pool reported rebuilt.
        func nextRebuilt() async -> String? {
            var iterator = watch.rebuilt.makeAsyncIterator()
            return await iterator.next()
        }

        func remove() {
            watch.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aNewFileRenamedOverTheExecutableIsReported() async throws {
        let watched = try Watched()
        defer { watched.remove() }
        try "v2, longer".write(toFile: watched.directory + "/handler.tmp", atomically: false, encoding: .utf8)
        #expect(rename(watched.directory + "/handler.tmp", watched.executable) == 0)
        #expect(await watched.nextRebuilt() == "p")
    }

    @Test(.timeLimit(.minutes(1)))
    func anExecutableRewrittenInPlaceIsReported() async throws {
        let watched = try Watched()
        defer { watched.remove() }
        let file = try #require(FileHandle(forWritingAtPath: watched.executable))
        try file.seekToEnd()
        try file.write(contentsOf: Data(" and more".utf8))
        try file.close()
        #expect(await watched.nextRebuilt() == "p")
    }

    @Test(.timeLimit(.minutes(1)))
    func stoppingEndsTheStream() async throws {
        let watched = try Watched()
        defer { try? FileManager.default.removeItem(atPath: watched.directory) }
        watched.watch.stop()
        #expect(await watched.nextRebuilt() == nil)
    }
}
