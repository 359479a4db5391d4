import Foundation

/// Asks a gateway's control port through `Fixtures/control_client.py`, a pyzmq client, as a REQ or a DEALER.
struct ControlPortClient {
    let endpoint: String
    /// `req` or `dealer`.
    var mode = "req"
    /// Where the client's output goes; a folder of the test's.
    let directory: String

    /// One reply: its bytes as text (tnetstrings here are ASCII), and decoded; nil for no reply in time.
    struct Reply {
        var raw: String
        var value: Any
        var table: [String: Any] { value as? [String: Any] ?? [:] }
        var rows: [[Any]] { table["rows"] as? [[Any]] ?? [] }
        var headers: [String] { table["headers"] as? [String] ?? [] }
    }

    /// Sends each request, JSON such as `["status", {"what": "net"}]`, `hex:BYTES` or `file:PATH`, on a socket of
    /// its own; `timeout` is each one's.
    func ask(_ requests: [String], timeout: Duration = .seconds(10)) async throws -> [Reply?] {
        let milliseconds = Int(timeout / .milliseconds(1))
        let client = try ChildProcess(
            ["python3", TestPaths.controlPortClient, endpoint, mode, String(milliseconds)] + requests,
            outputPath: directory + "/control-client-\(UUID().uuidString.prefix(8)).log")
        // Slack for Python's start on a loaded machine.
        let status = try await client.waitForExit(timeout: timeout * requests.count + .seconds(30))
        guard status == 0 else { throw ClientFailed(output: client.output) }
        return try client.output.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            guard let hex = object["raw"] as? String, let value = object["value"] else { return nil }
            return Reply(raw: String(decoding: Self.bytes(hex: hex), as: UTF8.self), value: value)
        }
    }

    /// Sends one command with its arguments.
    func ask(_ command: String, _ arguments: [String: Any] = [:]) async throws -> Reply? {
        let request = try JSONSerialization.data(withJSONObject: [command, arguments])
        return try await ask([String(decoding: request, as: UTF8.self)])[0]
    }

    /// The request `hex:...` for `bytes`.
    static func raw(_ bytes: [UInt8]) -> String {
        "hex:" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The request `file:...` for `bytes` written to a file in `directory`: for requests too large for an
    /// argument.
    static func file(_ bytes: [UInt8], in directory: String) throws -> String {
        let path = directory + "/request-\(UUID().uuidString.prefix(8))"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return "file:" + path
    }

    private static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    struct ClientFailed: Error, CustomStringConvertible {
        var output: String
        var description: String { "control_client.py failed:\n\(output)" }
    }
}
