import Foundation

/// Certificates made for one test with the openssl CLI, in its folder: a CA, and server and client certificates
/// it signed. Nothing here is committed; every key is made afresh.
struct TestCertificates {
    let directory: String

    /// The CA that signed every certificate made here, for `curl --cacert` and `client_ca`.
    var ca: String { directory + "/ca.pem" }

    /// Makes the CA in `directory`.
    init(in directory: String) async throws {
        self.directory = directory
        try await openssl(
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", directory + "/ca.key",
             "-out", ca, "-days", "30", "-subj", "/CN=Lurcher Test CA"])
    }

    /// A certificate for `name` (also for 127.0.0.1), signed by the CA: `NAME.pem` and `NAME.key`.
    /// - Parameters:
    ///   - days: how long it is valid.
    ///   - client: a client certificate (extended key usage clientAuth) rather than a server's.
    @discardableResult
    func issue(_ name: String, days: Int = 30, client: Bool = false) async throws -> (certificate: String, key: String) {
        let base = directory + "/" + name
        let extensions = client
            ? "extendedKeyUsage=clientAuth\n"
            : "subjectAltName=DNS:\(name),IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try await openssl(
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", base + ".key", "-out",
             base + ".csr", "-subj", "/CN=\(name)"])
        try await openssl(
            ["x509", "-req", "-in", base + ".csr", "-CA", ca, "-CAkey", directory + "/ca.key", "-CAcreateserial", "-out",
             base + ".pem", "-days", "\(days)", "-extfile", base + ".ext"])
        return (base + ".pem", base + ".key")
    }

    /// The certificate's SHA-1 fingerprint as openssl prints it, without the colons: 40 upper-case hex digits.
    func fingerprint(_ certificate: String) async throws -> String {
        let output = try await openssl(["x509", "-in", certificate, "-noout", "-fingerprint", "-sha1"])
        let value = output.split(separator: "=").last.map(String.init) ?? ""
        return value.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    private func openssl(_ arguments: [String]) async throws -> String {
        let result = try await runCommand(["openssl"] + arguments, in: directory)
        guard result.status == 0 else { throw CommandFailed(command: "openssl " + arguments.joined(separator: " "), output: result.output) }
        return result.output
    }
}

struct CommandFailed: Error, CustomStringConvertible {
    var command: String
    var output: String
    var description: String { "\(command) failed:\n\(output)" }
}

/// Runs `command` to its end with its output (standard output and error together) in a file in `directory`.
func runCommand(_ command: [String], in directory: String, timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
    let child = try ChildProcess(command, outputPath: directory + "/run-\(UUID().uuidString.prefix(8)).log")
    let status = try await child.waitForExit(timeout: timeout)
    return (status, child.output)
}
