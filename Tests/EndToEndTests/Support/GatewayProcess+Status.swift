import Foundation
import Testing

/// `lurcher ctl status --json`, read for the facts tests wait on.
extension GatewayProcess {
    /// The whole status report.
    func status() async throws -> [String: Any] {
        try Self.statusReport(try await ctl(["status", "--json"]))
    }

    /// ``status()`` for code on a thread of its own (inside ``onThread(_:)``), which it blocks.
    func statusBlocking() throws -> [String: Any] {
        try Self.statusReport(try ctlBlocking(["status", "--json"]))
    }

    private static func statusReport(_ result: (status: Int32, output: String)) throws -> [String: Any] {
        #expect(result.status == 0, "ctl status failed: \(result.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    /// One pool as the supervisor reports it.
    func pool(_ name: String) async throws -> [String: Any] {
        let pools = try await status()["pools"] as? [[String: Any]] ?? []
        return try #require(pools.first { $0["name"] as? String == name })
    }

    /// The gateway's own part: open connections, requests in flight, slow clients given up on, handlers.
    func gatewayStatus() async throws -> [String: Any] {
        try #require(try await status()["gateway"] as? [String: Any])
    }

    /// This run of the gateway: its generation, what its start ended of the previous run, reloads applied.
    func runStatus() async throws -> [String: Any] {
        try #require(try await status()["run"] as? [String: Any])
    }

    /// One of the gateway's WebSocket counts (`open`, `messagesReceived`, `framesSent`, `violations`).
    func webSocketCount(_ name: String) async throws -> Int? {
        (try await gatewayStatus()["webSockets"] as? [String: Any])?[name] as? Int
    }

    /// The gateway's requests in flight.
    func inFlight() async throws -> Int? {
        try await gatewayStatus()["inFlight"] as? Int
    }

    /// One handler as the gateway's dispatcher reports it.
    func handlerStatus(_ name: String) async throws -> [String: Any] {
        try handler(name, in: await status())
    }

    /// Waits until `count` processes of handler `name` are connected to the gateway's request socket (push mode)
    /// or have said READY (broker mode).
    func waitForConnected(_ name: String, _ count: Int) async throws {
        try await waitUntil("\(count) process(es) of handler \(name) to connect") {
            try await handlerStatus(name)["connected"] as? Int == count
        }
    }
}

/// One handler of a status report, as the gateway's dispatcher reports it.
func handler(_ name: String, in status: [String: Any]) throws -> [String: Any] {
    let handlers = (status["gateway"] as? [String: Any])?["handlers"] as? [[String: Any]] ?? []
    return try #require(handlers.first { $0["name"] as? String == name })
}

/// The processes of a pool or a broker-mode handler's status.
func processes(_ status: [String: Any]) -> [[String: Any]] { status["processes"] as? [[String: Any]] ?? [] }
