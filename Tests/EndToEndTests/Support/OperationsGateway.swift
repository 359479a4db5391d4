import Foundation

/// A gateway with the Python Mongrel2 handler at `/py`, and whatever operations sections a test adds.
func pythonGateway(extra: String, logLevel: String = "debug", options: [String] = []) async throws -> GatewayProcess {
    let gateway = try await GatewayProcess(
        handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])], extra: extra,
        logLevel: logLevel, options: options)
    try await gateway.waitForConnected("py", 1)
    return gateway
}

extension GatewayProcess {
    /// The admin listener's port, from the log.
    var adminPort: Int? { Self.number(after: "metrics on http://127.0.0.1:", in: log) }

    /// The event endpoint's port, from the log.
    var eventsPort: Int? { Self.number(after: "publishing events on tcp://127.0.0.1:", in: log) }

    private static func number(after marker: String, in log: String) -> Int? {
        guard let range = log.range(of: marker) else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    /// The lines of a file the gateway writes, once it has at least `count` of them.
    func lines(of path: String, atLeast count: Int) async throws -> [String] {
        var lines: [String] = []
        try await waitUntil("\(count) lines in \(path)") {
            lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            return lines.count >= count
        }
        return lines
    }
}
