import LurcherConfiguration
import Testing

/// `[tls]`, a host's own certificate pair and `redirect_to_https`: their shape is checked before anything starts
/// (the files themselves are the gateway's to read).
@Suite struct TLSConfigurationTests {
    private func configuration(tls: String? = "", server: String = "", host: String = "") throws(ConfigurationError) -> GatewayConfiguration {
        try ConfigurationLoader.parse(
            """
            [server]
            listen = "127.0.0.1:8080"
            \(server)
            \(tls.map { "[tls]\ncertificate = \"cert.pem\"\nkey = \"key.pem\"\n" + $0 } ?? "")
            [[hosts]]
            name = "example.com"
            \(host)
            [hosts.routes]
            "/" = { dir = "." }
            """, file: "test.toml")
    }

    private func problem(tls: String? = "", server: String = "", host: String = "") -> ConfigurationError? {
        do {
            _ = try configuration(tls: tls, server: server, host: host)
            return nil
        } catch {
            return error
        }
    }

    @Test func tlsHasItsDefaultsAndTakesEveryKey() throws {
        let defaults = try #require(try configuration().tls)
        #expect(defaults == TLSListenerConfiguration(certificate: CertificatePair(certificate: "cert.pem", key: "key.pem")))
        #expect(defaults.listenPort == 6768 && defaults.minimumVersion == .tls12 && defaults.clientVerification == .none)
        let all = try configuration(
            tls: """
                listen = "0.0.0.0:8443"
                min_version = "1.3"
                client_ca = "ca.pem"
                verify_client = "required"
                hsts = "max-age=31536000"
                """,
            server: "redirect_to_https = true", host: "certificate = \"e.pem\"\nkey = \"e.key\"")
        #expect(all.tls?.listenHost == "0.0.0.0" && all.tls?.listenPort == 8443)
        #expect(all.tls?.minimumVersion == .tls13 && all.tls?.clientVerification == .required && all.tls?.clientCA == "ca.pem")
        #expect(all.tls?.hsts == "max-age=31536000")
        #expect(all.server.redirectsToHTTPS)
        #expect(all.hosts[0].certificate == CertificatePair(certificate: "e.pem", key: "e.key"))
    }

    @Test(arguments: [
        ("min_version = \"1.1\"", "tls.min_version"),
        ("verify_client = \"maybe\"", "tls.verify_client"),
        ("verify_client = \"required\"", "tls.client_ca"),
        ("hsts = \"includeSubDomains\"", "tls.hsts"),
        ("hsts = \"max-age=1\\r\\nSet-Cookie: x\"", "tls.hsts"),
        ("listen = \"127.0.0.1:8080\"", "tls.listen"),
        ("listen = \"nowhere\"", "tls.listen"),
        ("renegotiate = true", "tls.renegotiate"),
    ])
    func aBadTLSKeyIsNamed(line: String, key: String) throws {
        let error = try #require(problem(tls: line))
        #expect(error.key == key, "\(error)")
        #expect(!error.fix.isEmpty)
    }

    @Test func aHostsCertificateNeedsItsKeyAndAnHTTPSListener() throws {
        #expect(problem(host: "certificate = \"e.pem\"")?.key == "hosts[0].key")
        #expect(problem(host: "key = \"e.key\"")?.key == "hosts[0].certificate")
        #expect(problem(tls: nil, host: "certificate = \"e.pem\"\nkey = \"e.key\"")?.key == "hosts[0].certificate")
    }

    @Test func redirectToHTTPSNeedsAnHTTPSListener() throws {
        #expect(problem(tls: nil, server: "redirect_to_https = true")?.key == "server.redirect_to_https")
    }

    @Test func aReloadMayChangeCertificatesButNotTheHTTPSAddressOrWhetherThereIsOne() throws {
        let running = try configuration()
        #expect(running.reloadProblem(becoming: try configuration(tls: "min_version = \"1.3\""), file: "t") == nil)
        var renamed = running
        renamed.tls?.certificate = CertificatePair(certificate: "new.pem", key: "new.key")
        #expect(running.reloadProblem(becoming: renamed, file: "t") == nil)
        #expect(running.reloadProblem(becoming: try configuration(tls: "listen = \"127.0.0.1:9443\""), file: "t")?.key == "tls.listen")
        #expect(running.reloadProblem(becoming: try configuration(tls: nil), file: "t")?.key == "tls")
    }
}
