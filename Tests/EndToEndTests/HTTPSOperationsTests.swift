import Foundation
import Testing

/// The HTTPS listener as operators run it and hostile clients probe it: certificate reloads, `lurcher check`,
/// stalled and garbage handshakes, plain HTTP on the TLS port, and the failure metric. One test at a time, as
/// HTTPSTests.
@Suite(.serialized) struct HTTPSOperationsTests {
    @Test func aReloadServesANewCertificateToNewHandshakesWhileAnOpenConnectionKeepsWorking() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway()
        let old = try await folder.servedFingerprint(gateway, sni: "localhost")
        let flag = folder.path + "/second"
        let client = try ChildProcess(
            ["python3", TestPaths.tlsClient, "keep", "\(try folder.tlsPort(gateway))", folder.certificates.ca, flag],
            outputPath: folder.path + "/keep.out")
        try await waitUntil("the first answer on the kept connection") { client.output.contains("first 200 \(old)") }
        try await folder.certificates.issue("localhost")  // a new pair, in the same files
        let reload = try await gateway.ctl(["reload"])
        #expect(reload.status == 0, "\(reload.output)")
        let new = try await folder.certificates.fingerprint(folder.certificate)
        #expect(new != old)
        #expect(try await folder.servedFingerprint(gateway, sni: "localhost") == new)
        #expect(try await gateway.tlsCount("reloads") == 1)
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        #expect(try await client.waitForExit() == 0, "\(client.output)")
        #expect(client.output.contains("second 200"), "the connection opened before the reload is still served")
    }

    @Test func aReloadWithABadCertificateOrAMismatchedKeyIsRefusedAndTheOldCertificateStays() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway()
        let old = try await folder.servedFingerprint(gateway, sni: "localhost")
        let good = try String(contentsOfFile: folder.certificate, encoding: .utf8)
        try "not a certificate\n".write(toFile: folder.certificate, atomically: true, encoding: .utf8)
        let broken = try await gateway.ctl(["reload"])
        #expect(broken.status != 0)
        #expect(broken.output.contains(folder.certificate) && broken.output.contains("Fix:"), "\(broken.output)")

        try good.write(toFile: folder.certificate, atomically: true, encoding: .utf8)
        let other = try await folder.certificates.issue("other")
        try FileManager.default.removeItem(atPath: folder.key)
        try FileManager.default.copyItem(atPath: other.key, toPath: folder.key)
        let mismatched = try await gateway.ctl(["reload"])
        #expect(mismatched.status != 0)
        #expect(mismatched.output.contains(folder.key) && mismatched.output.contains("not the private key"), "\(mismatched.output)")

        #expect(try await gateway.runStatus()["reloads"] as? Int == 0)
        #expect(try await gateway.tlsCount("reloads") == 0)
        #expect(try await folder.servedFingerprint(gateway, sni: "localhost") == old)
        #expect(try await folder.curl(gateway, "/py/still").status == 0)
    }

    @Test func checkRefusesAKeyThatIsNotTheCertificatesAndWarnsOfExpiry() async throws {
        let folder = try await TLSFolder()
        func check(certificate: String, key: String) async throws -> (status: Int32, output: String) {
            let path = folder.path + "/check-\(UUID().uuidString.prefix(6)).toml"
            try """
                [tls]
                certificate = "\(certificate)"
                key = "\(key)"
                [[hosts]]
                name = "localhost"
                [hosts.routes]
                "/" = { dir = "\(folder.path)" }
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return try await runCommand([TestPaths.lurcher, "check", "--config", path], in: folder.path)
        }
        let fine = try await check(certificate: folder.certificate, key: folder.key)
        #expect(fine.status == 0 && !fine.output.contains("warning"), "\(fine.output)")
        let other = try await folder.certificates.issue("other")
        let mismatched = try await check(certificate: folder.certificate, key: other.key)
        #expect(mismatched.status == 78)
        #expect(mismatched.output.contains(other.key) && mismatched.output.contains("not the private key"), "\(mismatched.output)")
        let soon = try await folder.certificates.issue("soon", days: 3)
        let expiring = try await check(certificate: soon.certificate, key: soon.key)
        #expect(expiring.status == 0)
        #expect(expiring.output.contains("warning: \(soon.certificate): the certificate expires in 2 day(s)"), "\(expiring.output)")
    }

    @Test func plainHTTPOnTheTLSPortIsClosedWithoutAByteAndCounted() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(extra: "[admin]\nlisten = \"127.0.0.1:0\"")
        let connection = try HTTPConnection(port: try folder.tlsPort(gateway))
        try connection.send(HTTPConnection.request("GET", "/"))
        #expect(try connection.readToEnd().isEmpty)
        #expect(try await gateway.tlsCount("failures") == 1)
        let metrics = try HTTPConnection(port: try #require(gateway.adminPort))
        try metrics.send(HTTPConnection.request("GET", "/metrics"))
        #expect(try metrics.readResponse().text.contains("lurcher_tls_failures_total 1"))
    }

    @Test func aHandshakeThatStallsIsClosedByTheRequestTimeout() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(request: 1)
        let port = try folder.tlsPort(gateway)
        let elapsed = try await onThread {
            let connection = try HTTPConnection(port: port)
            // The start of a ClientHello record, and then nothing.
            try connection.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
            let start = ContinuousClock.now
            _ = try connection.readToEnd()
            return ContinuousClock.now - start
        }
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(10), "closed after \(elapsed)")
        #expect(try await gateway.tlsCount("failures") == 1)
    }

    @Test func halfOpenHandshakesAreBoundedByMaxConnectionsAndTimedOut() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway(request: 2, limits: "max_connections = 4")
        let port = try folder.tlsPort(gateway)
        let silent = try (0..<8).map { _ in try HTTPConnection(port: port) }
        try await waitUntil("four of them to be accepted") { try await gateway.gatewayStatus()["openConnections"] as? Int == 4 }
        // The rest wait in the backlog: as the stalled ones are timed out, others take their places, never more.
        for _ in 0..<5 {
            let open = try await gateway.gatewayStatus()["openConnections"] as? Int ?? 0
            #expect(open <= 4, "\(open) connections open")
        }
        // Once the stalled ones are timed out, an honest client is served.
        let honest = try await folder.curl(gateway, "/py/after")
        #expect(honest.status == 0, "\(honest.output)")
        #expect(try await gateway.tlsCount("failures") ?? 0 >= 4)
        withExtendedLifetime(silent) {}
    }

    @Test func garbageInAHandshakeRecordClosesTheConnectionAtOnce() async throws {
        let folder = try await TLSFolder()
        let gateway = try await folder.gateway()
        let port = try folder.tlsPort(gateway)
        let elapsed = try await onThread {
            let connection = try HTTPConnection(port: port)
            try connection.send([0x16, 0x03, 0x01, 0x00, 0x20] + (0..<32).map { _ in UInt8.random(in: 0...255) })
            let start = ContinuousClock.now
            _ = try connection.readToEnd()
            return ContinuousClock.now - start
        }
        #expect(elapsed < .seconds(5), "closed after \(elapsed), not at the request timeout")
        #expect(try await gateway.tlsCount("failures") == 1)
        #expect(try await folder.curl(gateway, "/py/after").status == 0)
    }
}
