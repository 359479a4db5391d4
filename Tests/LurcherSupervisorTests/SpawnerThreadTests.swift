import Foundation
import Testing

@testable import LurcherSupervisor

/// A parent-death signal belongs to the thread that spawned the process, not to the process: the reason every
/// spawn is made on the one ``SpawnerThread``. The children here arm it with `setpriv --pdeathsig`, as the
/// exec shim does, then say so by creating a file.
@Suite struct SpawnerThreadTests {
    @Test func aChildSpawnedDirectlyDiesWithTheShortLivedThreadThatSpawnedIt() async throws {
        let child = try await ArmedChild.spawnFromShortLivedThread { command in
            try ProcessSpawner.spawn(command: command, environment: [:], workingDirectory: nil)
        }
        #expect(try child.waitForDeath(within: .seconds(5)) == SIGKILL, "the kernel kills it when that thread exits")
    }

    @Test func aSpawnThroughTheSpawnerThreadOutlivesTheThreadThatAskedForIt() async throws {
        let spawner = SpawnerThread()
        let child = try await ArmedChild.spawnFromShortLivedThread { command in
            try spawner.run { try ProcessSpawner.spawn(command: command, environment: [:], workingDirectory: nil) }
        }
        defer { child.end() }
        #expect(try child.waitForDeath(within: .milliseconds(500)) == nil, "still running after the asking thread exited")
    }
}

/// A `sleep` spawned with a parent-death signal of SIGKILL, from a thread that exits once the signal is armed.
private struct ArmedChild {
    let pid: pid_t

    /// Runs `spawn` with the child's command on a new thread, which waits for the child to arm its signal and
    /// then exits; returns once that thread is gone, when the kernel has sent any signal tied to it.
    static func spawnFromShortLivedThread(_ spawn: @escaping @Sendable ([String]) throws -> pid_t) async throws -> ArmedChild {
        let armed = NSTemporaryDirectory() + "lurcher-armed-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: armed) }
        let command = ["setpriv", "--pdeathsig", "KILL", "--", "sh", "-c", "touch \"$0\"; exec sleep 60", armed]
        let (pid, thread) = try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        let thread = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
                        let pid = try spawn(command)
                        try waitUntil("the child to arm its death signal") { FileManager.default.fileExists(atPath: armed) }
                        return (pid, thread)
                    })
            }.start()
        }
        // `/proc/thread-self` reads PID/task/TID; the task's folder goes once the thread has fully exited.
        try waitUntil("the spawning thread to exit") { !FileManager.default.fileExists(atPath: "/proc/\(thread)") }
        return ArmedChild(pid: pid)
    }

    /// The signal that killed the child, once it has died within `timeout`; nil while it still runs.
    func waitForDeath(within timeout: Duration) throws -> Int32? {
        var died: Int32?
        try? waitUntil("process \(pid) to die", timeout: timeout) {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return false }
            died = status & 0x7f
            return true
        }
        return died
    }

    func end() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

private func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        usleep(5000)
    }
}
