import Foundation

/// A folder of certificates for one HTTPS test, and gateways whose `[tls]` listener serves them. The folder is
/// removed when the test lets go of it.
final class TLSFolder: @unchecked Sendable {
    // @unchecked: one test drives it.
    let path: String
    let certificates: TestCertificates
    /// The default certificate, for `localhost`.
    let certificate: String
    let key: String

    init() async throws {
        path = NSTemporaryDirectory() + "lurcher-tls-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        certificates = try await TestCertificates(in: path)
        (certificate, key) = try await certificates.issue("localhost")
    }

    /// A gateway with the Python Mongrel2 handler at `/py` (or `handlers`), the static site at `/`, and `[tls]`
    /// on an ephemeral port with the localhost certificate.
    /// - Parameters:
    ///   - tls: more lines for `[tls]`.
    ///   - extra: more tables, such as other `[[hosts]]` or `[admin]`.
    func gateway(
        tls: String = "", extra: String = "", server: String = "", request: Double = 30, limits: String = "",
        routes: String = "", handlers: [GatewayProcess.Handler]? = nil
    ) async throws -> GatewayProcess {
        let handlers = handlers ?? [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])]
        let gateway = try await GatewayProcess(
            handlers: handlers, request: request, limits: limits, routes: routes,
            extra: """
                [tls]
                listen = "127.0.0.1:0"
                certificate = "\(certificate)"
                key = "\(key)"
                \(tls)

                \(extra)
                """,
            server: { _ in server })
        for handler in handlers { try await gateway.waitForConnected(handler.name, 1) }
        return gateway
    }

    /// Runs curl against the gateway's HTTPS listener, trusting the test CA and resolving `host` to 127.0.0.1.
    /// HTTP/1.1 unless `options` ask for `--http2` (ALPN would choose HTTP/2 otherwise).
    /// - Returns: curl's exit status and its output (with `-i`, the response head too).
    func curl(
        _ gateway: GatewayProcess, _ target: String, host: String = "localhost", options: [String] = []
    ) async throws -> (status: Int32, output: String) {
        let port = try tlsPort(gateway)
        return try await runCommand(
            ["curl", "-sS", "-i", "--max-time", "20", "--cacert", certificates.ca, "--resolve", "\(host):\(port):127.0.0.1"]
                + (options.contains("--http2") ? [] : ["--http1.1"]) + options + ["https://\(host):\(port)\(target)"],
            in: path)
    }

    /// The SHA-1 fingerprint of the certificate the gateway serves to a client sending `sni` (nil: none).
    func servedFingerprint(_ gateway: GatewayProcess, sni: String?) async throws -> String {
        let result = try await runCommand(
            ["python3", TestPaths.tlsClient, "served", "\(try tlsPort(gateway))", sni ?? "-"], in: path)
        guard result.status == 0 else { throw CommandFailed(command: "tls_client.py served", output: result.output) }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `openssl s_client` with only `version` (`-tls1`, `-tls1_2`, …) offered; returns whether the handshake succeeded.
    func handshakes(_ gateway: GatewayProcess, version: String) async throws -> Bool {
        // SECLEVEL=0 so that openssl itself offers TLS 1.0 and 1.1: the refusal must be the gateway's.
        let result = try await runCommand(
            ["sh", "-c", "openssl s_client -connect 127.0.0.1:\(try tlsPort(gateway)) \(version) -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost < /dev/null"],
            in: path)
        return result.status == 0
    }

    func tlsPort(_ gateway: GatewayProcess) throws -> Int {
        guard let port = gateway.tlsPort else { throw CommandFailed(command: "the HTTPS listener", output: gateway.log) }
        return port
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension GatewayProcess {
    /// The HTTPS listener's figures from `lurcher ctl status --json` (`handshakes`, `failures`, `reloads`).
    func tlsCount(_ name: String) async throws -> Int? {
        (try await gatewayStatus()["tls"] as? [String: Any])?[name] as? Int
    }
}

/// The JSON body of a curl `-i` answer.
func jsonBody(_ output: String) throws -> [String: Any] {
    guard let start = output.range(of: "\r\n\r\n"),
        let object = try JSONSerialization.jsonObject(with: Data(output[start.upperBound...].utf8)) as? [String: Any]
    else { throw CommandFailed(command: "reading a JSON body", output: output) }
    return object
}
