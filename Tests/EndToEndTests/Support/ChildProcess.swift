import Foundation

/// A process started by a test, whose output goes to a file the test can read. Signalled when released.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: Process is not Sendable; a test drives its ChildProcess from one task at a time.
    let process = Process()
    let outputPath: String
    /// Sent when the test lets go of the process: SIGTERM lets a gateway stop its own handlers.
    private let releaseSignal: Int32

    init(_ command: [String], environment: [String: String] = [:], outputPath: String, releaseSignal: Int32 = SIGKILL) throws {
        self.outputPath = outputPath
        self.releaseSignal = releaseSignal
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        process.currentDirectoryURL = TestPaths.packageRoot
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await waitUntil("process \(pid) to exit", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        // No waiting here: Foundation reaps the child, and waitUntilExit would spin outside a run loop.
        if process.isRunning { kill(process.processIdentifier, releaseSignal) }
    }
}

/// Whether `pid` runs: a zombie, dead but not yet reaped by whoever inherited it, does not.
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let endOfName = stat.lastIndex(of: ")")
    else { return false }
    return !stat[endOfName...].hasPrefix(") Z")
}
