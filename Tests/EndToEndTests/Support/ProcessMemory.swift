import Foundation
import Testing

/// A process's memory from `/proc/PID/status`, in bytes: `VmRSS` (resident now) or `VmHWM` (the most it has
/// been resident), which measure what a gateway holds without timing anything.
func residentBytes(of pid: Int32, field: String = "VmRSS") throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("\(field):") })
    return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
}
