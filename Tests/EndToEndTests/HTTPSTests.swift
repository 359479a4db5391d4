import Foundation
import Testing

/// The `[tls]` listener with real clients (curl, Python's ssl, openssl s_client) and certificates made by openssl
/// for each test: what handlers see, SNI, protocol versions, client certificates, redirects and HSTS. One test at a
/// time: each runs a gateway, a handler and several clients, on two cores the rest of the suite shares.
@Suite(.serialized) struct HTTPSTests {
    @Test func anHTTPSRequestReachesAMongrel2HandlerAsHTTPS() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway()
        let result = try await folder.curl(gateway, "/py/hello?x=1")
        #expect(result.status == 0, "\(result.output)")
        let headers = try #require(try jsonBody(result.output)["headers"] as? [String: Any])
        #expect(headers["URL_SCHEME"] as? String == "https")
        #expect(headers["QUERY"] as? String == "x=1")
        #expect(headers["PEER_CERT_SHA1"] == nil, "no client certificate, no fingerprint")
        #expect(try await gateway.tlsCount("handshakes") == 1)
    }

    @Test func aStaticFileGoesOutWholeOverTLS() async throws {
        let folder = try await TLSFolder()
        // Larger than one read chunk, so the file is read and written in several parts.
        let bytes = (0..<(3 * 65536 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.path + "/files/large.bin", isDirectory: false).createParents())
        let gateway = try await folder.gateway(routes: "\"/files/\" = { dir = \"\(folder.path)/files/\" }")
        let output = folder.path + "/large.out"
        let result = try await folder.curl(gateway, "/files/large.bin", options: ["-o", output])
        #expect(result.status == 0, "\(result.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)).suffix(bytes.count) == Data(bytes))
        // With -i, the head goes into the file too.
        let rangeOutput = folder.path + "/range.out"
        let range = try await folder.curl(gateway, "/files/large.bin", options: ["-r", "65530-65545", "-o", rangeOutput])
        #expect(range.status == 0, "\(range.output)")
        let answer = try Data(contentsOf: URL(fileURLWithPath: rangeOutput))
        #expect(answer.starts(with: Data("HTTP/1.1 206".utf8)))
        #expect(answer.suffix(16) == Data(bytes[65530...65545]))
    }

    @Test func aClientCertificateIsPassedAsItsFortyDigitSHA1() async throws {
        let folder = try await TLSFolder()
        let client = try await folder.certificates.issue("client", client: true)
        let gateway = try await folder.gateway(tls: "verify_client = \"optional\"\nclient_ca = \"\(folder.certificates.ca)\"")
        let result = try await folder.curl(gateway, "/py/who", options: ["--cert", client.certificate, "--key", client.key])
        #expect(result.status == 0, "\(result.output)")
        let headers = try #require(try jsonBody(result.output)["headers"] as? [String: Any])
        let expected = try await folder.certificates.fingerprint(client.certificate)
        #expect(expected.count == 40)
        #expect(headers["PEER_CERT_SHA1"] as? String == expected)
        // Optional: a client without a certificate is served, without the key.
        let anonymous = try await folder.curl(gateway, "/py/who")
        #expect(try (jsonBody(anonymous.output)["headers"] as? [String: Any])?["PEER_CERT_SHA1"] == nil)
    }

    @Test func verifyClientRequiredRefusesAClientWithoutACertificateOrWithAStrangersOne() async throws {
        let folder = try await TLSFolder()
        let client = try await folder.certificates.issue("client", client: true)
        let strangers = try await TestCertificates(in: (folder.path + "/strangers").createdDirectory())
        let stranger = try await strangers.issue("stranger", client: true)
        let gateway = try await folder.gateway(tls: "verify_client = \"required\"\nclient_ca = \"\(folder.certificates.ca)\"")
        let without = try await folder.curl(gateway, "/py/who")
        #expect(without.status != 0 && !without.output.contains("HTTP/1.1"), "\(without.output)")
        let foreign = try await folder.curl(gateway, "/py/who", options: ["--cert", stranger.certificate, "--key", stranger.key])
        #expect(foreign.status != 0 && !foreign.output.contains("HTTP/1.1"), "\(foreign.output)")
        let with = try await folder.curl(gateway, "/py/who", options: ["--cert", client.certificate, "--key", client.key])
        #expect(with.status == 0, "\(with.output)")
        #expect(try await gateway.tlsCount("failures") == 2)
    }

    @Test func sniChoosesTheHostsCertificateAndAnUnknownNameGetsTheDefault() async throws {
        let folder = try await TLSFolder()
        let example = try await folder.certificates.issue("example.com")
        let gateway = try await folder.gateway(
            extra: """
                [[hosts]]
                name = "example.com"
                certificate = "\(example.certificate)"
                key = "\(example.key)"
                [hosts.routes]
                "/ex" = { handler = "py" }
                """)
        let defaultFingerprint = try await folder.certificates.fingerprint(folder.certificate)
        #expect(try await folder.servedFingerprint(gateway, sni: "example.com") == folder.certificates.fingerprint(example.certificate))
        #expect(try await folder.servedFingerprint(gateway, sni: "EXAMPLE.com") == folder.certificates.fingerprint(example.certificate))
        #expect(try await folder.servedFingerprint(gateway, sni: "nobody.test") == defaultFingerprint)
        #expect(try await folder.servedFingerprint(gateway, sni: nil) == defaultFingerprint)
        // The Host header routes as usual: /ex is example.com's alone.
        let routed = try await folder.curl(gateway, "/ex/page", host: "example.com")
        #expect(routed.status == 0 && routed.output.hasPrefix("HTTP/1.1 200"), "\(routed.output)")
        #expect(try await folder.curl(gateway, "/ex/page").output.hasPrefix("HTTP/1.1 404"))
    }

    @Test func tls10And11AreRefusedAnd12And13Served() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway()
        #expect(try await !folder.handshakes(gateway, version: "-tls1"))
        #expect(try await !folder.handshakes(gateway, version: "-tls1_1"))
        #expect(try await folder.handshakes(gateway, version: "-tls1_2"))
        #expect(try await folder.handshakes(gateway, version: "-tls1_3"))
    }

    @Test func minVersion13RefusesTLS12() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(tls: "min_version = \"1.3\"")
        #expect(try await !folder.handshakes(gateway, version: "-tls1_2"))
        #expect(try await folder.handshakes(gateway, version: "-tls1_3"))
    }

    @Test func redirectToHTTPSAnswersPlainRequestsWith301ToTheSameURL() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(server: "redirect_to_https = true")
        let tlsPort = try folder.tlsPort(gateway)
        let response = try plainRequest(gateway, "GET /py/a/b?c=d HTTP/1.1\r\nHost: localhost:\(gateway.port)\r\n\r\n")
        #expect(response.status == 301)
        #expect(response.header("location") == "https://localhost:\(tlsPort)/py/a/b?c=d")
        // A Host that is no host name is not echoed into the Location.
        let forged = try plainRequest(gateway, "GET /x HTTP/1.1\r\nHost: evil.test\"onload=x\r\n\r\n")
        #expect(forged.status == 400)
        #expect(forged.header("location") == nil)
        // HTTPS itself is served, not redirected.
        let served = try await folder.curl(gateway, "/py/a")
        #expect(served.output.hasPrefix("HTTP/1.1 200"), "\(served.output)")
    }

    private func plainRequest(_ gateway: GatewayProcess, _ request: String) throws -> HTTPResponse {
        let connection = try gateway.connect()
        try connection.send(request)
        return try connection.readResponse()
    }

    @Test func hstsIsAddedToEveryHTTPSAnswerAndNoPlainOne() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(tls: "hsts = \"max-age=600; includeSubDomains\"")
        let hsts = "strict-transport-security: max-age=600; includeSubDomains"
        for path in ["/py/x", "/index.html", "/nothing-here", "/py/created"] {
            let result = try await folder.curl(gateway, path)
            let head = result.output.components(separatedBy: "\r\n\r\n")[0].lowercased()
            #expect(head.contains(hsts.lowercased()), "\(path): \(result.output)")
            #expect(head.components(separatedBy: "strict-transport-security").count == 2, "once, for \(path)")
        }
        #expect(try gateway.get("/index.html").header("strict-transport-security") == nil)
    }

    @Test func aWebSocketWorksOverTLS() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(
            handlers: [.init(name: "ws", route: "/ws", command: ["python3", TestPaths.pythonWebSocketHandler])])
        let result = try await runCommand(
            ["python3", TestPaths.tlsClient, "wss", "wss://localhost:\(try folder.tlsPort(gateway))/ws", folder.certificates.ca],
            in: folder.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(try await gateway.webSocketCount("messagesReceived") ?? 0 >= 3)
    }
}

extension URL {
    /// The URL, once its parent folder exists.
    func createParents() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}

extension String {
    /// The path, once a folder exists there.
    func createdDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: self, withIntermediateDirectories: true)
        return self
    }
}
