import Foundation
import Testing

/// `lurcher ctl status --json`, read for the facts tests wait on.
extension GatewayProcess {
    /// The whole status report.
    func status() async throws -> [String: Any] {
        let result = try await ctl(["status", "--json"])
        #expect(result.status == 0, "ctl status failed: \(result.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    }

    /// One pool as the supervisor reports it.
    func pool(_ name: String) async throws -> [String: Any] {
        let pools = try await status()["pools"] as? [[String: Any]] ?? []
        return try #require(pools.first { $0["name"] as? String == name })
    }

    /// The gateway's requests in flight.
    func inFlight() async throws -> Int? {
        (try await status()["gateway"] as? [String: Any])?["inFlight"] as? Int
    }

    /// One handler as the gateway's dispatcher reports it.
    func handlerStatus(_ name: String) async throws -> [String: Any] {
        let handlers = (try await status()["gateway"] as? [String: Any])?["handlers"] as? [[String: Any]] ?? []
        return try #require(handlers.first { $0["name"] as? String == name })
    }
}

/// The processes of a pool or a broker-mode handler's status.
func processes(_ status: [String: Any]) -> [[String: Any]] { status["processes"] as? [[String: Any]] ?? [] }
