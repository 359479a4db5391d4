import Foundation
import LurcherConfiguration
import Testing

/// A handler's CurveZMQ keys, and the rule that a handler endpoint other machines can reach needs them.
@Suite struct CurveConfigurationTests {
    /// Keys as `lurcher keygen` prints them (fixed here: the configuration checks their form, not their maths).
    private static let secret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
    private static let client = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

    private func load(_ handler: String) throws(ConfigurationError) -> HandlerConfiguration? {
        try ConfigurationLoader.parse(
            """
            [[hosts]]
            name = "localhost"
            [hosts.routes]
            "/" = { handler = "app" }
            [handlers.app]
            send_ident = "app"
            \(handler)
            """, file: "test.toml"
        ).handlers["app"]
    }

    private func error(_ handler: String) -> ConfigurationError? {
        do {
            _ = try load(handler)
            return nil
        } catch {
            return error
        }
    }

    private let remote = "send_spec = \"tcp://0.0.0.0:9997\"\nrecv_spec = \"tcp://0.0.0.0:9996\"\n"

    @Test func keysAreTakenFromTheListAndTheFile() throws {
        let file = NSTemporaryDirectory() + "clients-\(UUID().uuidString)"
        try "# handler hosts\n\(Self.secret)\n\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let handler = try load(
            remote + "curve_secret_key = \"\(Self.secret)\"\ncurve_allowed_clients = [\"\(Self.client)\"]\n"
                + "curve_allowed_clients_file = \"\(file)\"\n")
        #expect(handler?.curve == CurveConfiguration(secretKey: Self.secret, allowedClients: [Self.client, Self.secret]))
    }

    @Test func aReachableEndpointWithoutKeysIsRefusedUnlessPlaintextIsAllowed() throws {
        for spec in ["tcp://0.0.0.0:9997", "tcp://*:9997", "tcp://192.0.2.7:9997", "tcp://[::]:9997"] {
            let refused = try #require(error("send_spec = \"\(spec)\"\nrecv_spec = \"ipc:///tmp/r\"\n"), "\(spec)")
            #expect(refused.key == "handlers.app.send_spec")
            #expect(refused.fix.contains("lurcher keygen") && refused.fix.contains("allow_plaintext = true"))
            #expect(error("send_spec = \"\(spec)\"\nrecv_spec = \"ipc:///tmp/r\"\nallow_plaintext = true\n") == nil)
        }
        for spec in ["tcp://127.0.0.1:9997", "tcp://localhost:9997", "tcp://[::1]:9997", "ipc:///tmp/s"] {
            #expect(error("send_spec = \"\(spec)\"\nrecv_spec = \"ipc:///tmp/r\"\n") == nil, "\(spec)")
        }
    }

    @Test func badKeysAndIncompleteSetsNameTheKey() throws {
        #expect(error(remote + "curve_secret_key = \"short\"\ncurve_allowed_clients = [\"\(Self.client)\"]\n")?.key
            == "handlers.app.curve_secret_key")
        #expect(error(remote + "curve_secret_key = \"\(Self.secret)\"\ncurve_allowed_clients = [\"not a key\"]\n")?.key
            == "handlers.app.curve_allowed_clients")
        #expect(error(remote + "curve_secret_key = \"\(Self.secret)\"\n")?.key == "handlers.app.curve_allowed_clients")
        #expect(error(remote + "curve_allowed_clients = [\"\(Self.client)\"]\n")?.key == "handlers.app.curve_secret_key")
        #expect(error(remote + "curve_secret_key = \"\(Self.secret)\"\ncurve_allowed_clients_file = \"/nonexistent\"\n")?.key
            == "handlers.app.curve_allowed_clients_file")
    }

    @Test func theSecretKeyCannotChangeOnReloadButTheAllowedClientsCan() throws {
        func configuration(_ handler: String) throws -> GatewayConfiguration {
            try ConfigurationLoader.parse(
                "[[hosts]]\nname = \"localhost\"\n[hosts.routes]\n\"/\" = { handler = \"app\" }\n[handlers.app]\nsend_ident = \"app\"\n"
                    + remote + handler, file: "test.toml")
        }
        let running = try configuration("curve_secret_key = \"\(Self.secret)\"\ncurve_allowed_clients = [\"\(Self.client)\"]\n")
        let moreClients = try configuration(
            "curve_secret_key = \"\(Self.secret)\"\ncurve_allowed_clients = [\"\(Self.client)\", \"\(Self.secret)\"]\n")
        #expect(running.reloadProblem(becoming: moreClients, file: "test.toml") == nil)
        let otherSecret = try configuration("curve_secret_key = \"\(Self.client)\"\ncurve_allowed_clients = [\"\(Self.client)\"]\n")
        #expect(running.reloadProblem(becoming: otherSecret, file: "test.toml")?.key == "handlers.app.curve_secret_key")
        let plaintext = try configuration("allow_plaintext = true\n")
        #expect(running.reloadProblem(becoming: plaintext, file: "test.toml")?.key == "handlers.app.curve_secret_key")
    }
}
