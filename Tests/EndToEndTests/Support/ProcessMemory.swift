import Foundation
import Testing

/// The memory process `pid` holds now (`VmRSS`), or the most it has held since it started (`peak`, `VmHWM`), in
/// bytes: what a test checks to show that a gateway's buffers stay bounded.
func residentBytes(of pid: Int32, peak: Bool = false) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let field = peak ? "VmHWM:" : "VmRSS:"
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(field) })
    return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
}
