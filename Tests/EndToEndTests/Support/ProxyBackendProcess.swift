import Foundation

/// The Python backend of proxy route tests (`Fixtures/proxy_backend.py`), on loopback ports the kernel picked.
final class ProxyBackendProcess: @unchecked Sendable {
    // @unchecked: see ChildProcess; one test drives it.
    let child: ChildProcess
    /// The HTTP server's port, and the WebSocket echo server's.
    let port: Int
    let webSocketPort: Int
    private let directory: String

    init() async throws {
        directory = NSTemporaryDirectory() + "lurcher-backend-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let child = try ChildProcess(["python3", "-u", TestPaths.proxyBackend], outputPath: directory + "/backend.log")
        var ports: (Int, Int) = (0, 0)
        try await waitUntil("the proxy backend to listen (log: \(directory)/backend.log)") {
            guard child.isRunning else { throw ChildExited(log: child.output) }
            let words = child.output.split(whereSeparator: \.isWhitespace)
            guard words.count >= 4, words[0] == "listening", let http = Int(words[1]), let ws = Int(words[3]) else { return false }
            ports = (http, ws)
            return true
        }
        self.child = child
        (port, webSocketPort) = ports
    }

    /// The route line for a gateway's `[hosts.routes]`: `pattern` proxied to this backend, with `extra` keys.
    func route(_ pattern: String = "/api/", extra: String = "") -> String {
        "\"\(pattern)\" = { proxy = \"http://127.0.0.1:\(port)\"\(extra.isEmpty ? "" : ", " + extra) }"
    }

    struct ChildExited: Error, CustomStringConvertible {
        var log: String
        var description: String { "the proxy backend exited:\n\(log)" }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
