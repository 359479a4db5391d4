import Foundation

/// `lurcher start` with `conf/lurcher.toml` as shipped, moved to ephemeral ports and private endpoints in a temp
/// folder, so that a gateway started by `scripts/start` does not stop this one from listening.
final class DefaultConfigurationGateway: @unchecked Sendable {
    // @unchecked: as GatewayProcess, one test drives it.
    let directory = NSTemporaryDirectory() + "lurcher-default-" + UUID().uuidString.prefix(8)
    let child: ChildProcess
    let port: Int
    /// The HTTPS listener's port (`[tls]` in the shipped file, with a self-signed pair made in the folder).
    let tlsPort: Int
    /// The admin listener's port (`[admin]` in the shipped file).
    let adminPort: Int
    var configPath: String { directory + "/lurcher.toml" }

    /// Starts it and waits until every shipped handler process is ready.
    init() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = try String(contentsOfFile: TestPaths.packageRoot.path + "/conf/lurcher.toml", encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:6767", with: "127.0.0.1:0")
            .replacingOccurrences(of: "127.0.0.1:9180", with: "127.0.0.1:0")
            .replacingOccurrences(of: "127.0.0.1:6768", with: "127.0.0.1:0")
            .replacingOccurrences(of: "run/tls/", with: "\(directory)/tls/")
            .replacingOccurrences(of: "tcp://127.0.0.1:9997", with: "ipc://\(directory)/requests")
            .replacingOccurrences(of: "tcp://127.0.0.1:9996", with: "ipc://\(directory)/replies")
            .replacingOccurrences(of: ".build/debug/hello-handler", with: TestPaths.helloHandler)
            .replacingOccurrences(of: ".build/debug/chat-handler", with: TestPaths.chatHandler)
            .replacingOccurrences(of: "run/lurcher.sock", with: "\(directory)/control.sock")
        try config.write(toFile: directory + "/lurcher.toml", atomically: true, encoding: .utf8)
        let certificate = try await runCommand(
            [TestPaths.packageRoot.path + "/scripts/make-dev-certificate", directory + "/tls"], in: directory)
        guard certificate.status == 0 else { throw CommandFailed(command: "scripts/make-dev-certificate", output: certificate.output) }
        let child = try ChildProcess(
            [TestPaths.lurcher, "start", "--config", directory + "/lurcher.toml"], outputPath: directory + "/log",
            releaseSignal: SIGTERM)
        var ports: (Int, Int, Int)?
        try await waitUntil("the default configuration to listen (log: \(directory)/log)") {
            guard child.isRunning else { throw GatewayProcess.GatewayExited(log: child.output) }
            guard let port = Self.number(after: "listening on http://127.0.0.1:", in: child.output),
                let tls = Self.number(after: "listening on https://127.0.0.1:", in: child.output),
                let admin = Self.number(after: "metrics on http://127.0.0.1:", in: child.output)
            else { return false }
            ports = (port, tls, admin)
            // The shipped handlers run in broker mode: each process (two hello, one chat) says READY.
            return child.output.components(separatedBy: "handler process ready").count - 1 == 3
        }
        self.child = child
        (port, tlsPort, adminPort) = ports!
    }

    private static func number(after marker: String, in text: String) -> Int? {
        text.range(of: marker).flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
