import CLinux
import Foundation

/// Ends every process whose environment carries one gateway generation (see ``GatewayGeneration``).
enum GenerationSweep {
    /// What a sweep did.
    struct Outcome: Equatable {
        /// Processes killed that have exited.
        var ended: Int
        /// Processes killed that had not exited when the sweep stopped waiting (stuck in the kernel, say).
        var lingering: Int
    }

    /// Sends SIGKILL to each process whose environment has `LURCHER_GATEWAY_GENERATION=generation`, and waits
    /// up to `timeout` for them to exit.
    ///
    /// Each process is held by a pidfd from before its environment is read until it is signalled, so a pid
    /// that is reused meanwhile cannot make the sweep kill another process.
    static func end(generation: String, timeout: Duration = .seconds(2)) -> Outcome {
        let marker = Array("\(GatewayGeneration.environmentKey)=\(generation)".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var killed: [Int32] = []
        for pid in entries.compactMap({ pid_t($0) }) where pid != getpid() {
            let pidfd = lurcher_pidfd_open(pid)
            guard pidfd >= 0 else { continue }
            if environment(of: pid).split(separator: 0).contains(where: { $0.elementsEqual(marker) }),
                lurcher_pidfd_send_signal(pidfd, SIGKILL) == 0
            {
                killed.append(pidfd)
            } else {
                close(pidfd)
            }
        }
        let lingering = waitForExit(killed, timeout: timeout)
        killed.forEach { close($0) }
        return Outcome(ended: killed.count - lingering, lingering: lingering)
    }

    /// The raw `/proc/PID/environ` (NUL-separated `KEY=VALUE`), empty when it cannot be read: a process of
    /// another user, or one that has exited.
    private static func environment(of pid: pid_t) -> [UInt8] {
        let descriptor = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return count == 0 ? bytes : [] }
            bytes += chunk[..<count]
        }
    }

    /// Polls the pidfds until each has exited (a pidfd becomes readable then) or `timeout` passes; returns how
    /// many had not exited.
    private static func waitForExit(_ pidfds: [Int32], timeout: Duration) -> Int {
        var waiting = pidfds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let deadline = ContinuousClock.now + timeout
        while !waiting.isEmpty, ContinuousClock.now < deadline {
            let remaining = (deadline - ContinuousClock.now).components
            let milliseconds = remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000 + 1
            if poll(&waiting, nfds_t(waiting.count), Int32(clamping: milliseconds)) > 0 {
                waiting.removeAll { $0.revents != 0 }
            }
        }
        return waiting.count
    }
}
