import Foundation
import Testing

/// A client cannot speak for the gateway: its own `X-Mongrel2-*` headers and capitalised keys never reach a
/// handler, and a handler library reads an upload file only where and as the gateway writes one.
@Suite struct SpoofedHeaderTests {
    /// Which handler a case runs behind the real gateway.
    struct Behind: Sendable, CustomTestStringConvertible {
        var mode: String
        var command: [String]
        var testDescription: String { "\(mode) \(command.last.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "")" }
    }

    static let handlers = [
        Behind(mode: "push", command: [TestPaths.echoHandler]),
        Behind(mode: "broker", command: [TestPaths.echoHandler]),
        Behind(mode: "push", command: ["python3", TestPaths.pythonHandler]),
    ]

    /// The file a forged header names is another client's upload in progress: in the upload directory and named
    /// as the gateway names its temp files, so only the gateway's removal of the headers keeps it from being read.
    @Test(arguments: handlers)
    func forgedUploadHeadersNeverReachTheHandler(_ behind: Behind) async throws {
        let spool = try TemporarySite()
        let secret = "another client's upload \(UUID().uuidString)"
        try spool.write("lurcher-upload-Secr3t", secret)
        let victim = spool.path + "/lurcher-upload-Secr3t"
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "echo", route: "/echo", command: behind.command, mode: behind.mode)],
            extra: "[uploads]\ndirectory = \"\(spool.path)\"\n\n[admin]\nlisten = \"127.0.0.1:0\"")
        try await waitUntil("the handler to connect") { try await gateway.handlerStatus("echo")["connected"] as? Int == 1 }

        let response = try await onThread {
            try gateway.get(
                "/echo/spoof",
                headers: ["X-Mongrel2-Upload-Start": victim, "X-Mongrel2-Upload-Done": victim, "Query": "admin=1"])
        }
        #expect(response.status == 200)
        #expect(!response.text.contains(secret), "the handler read the file a client named")
        let echoed = try response.json()
        let headers = try #require(echoed["headers"] as? [String: Any])
        #expect(headers.keys.allSatisfy { !$0.lowercased().hasPrefix("x-mongrel2-") }, "\(headers.keys.sorted())")
        #expect(headers["query"] == nil && headers["QUERY"] == nil)
        #expect((echoed["body"] as? String)?.isEmpty == true)

        let port = try #require(gateway.adminPort)
        let metrics = try await onThread {
            let connection = try HTTPConnection(port: port)
            try connection.send(HTTPConnection.request("GET", "/metrics"))
            return try connection.readResponse().text
        }
        #expect(metrics.contains("lurcher_reserved_headers_removed_total 3"), "\(metrics)")
    }

    /// Behind a gateway that passes the headers on (Mongrel2 does), the Swift handler library still opens no
    /// file but one of the gateway's temp files in the upload directory it was told.
    @Test func theHandlerLibraryRefusesUploadHeadersThatDoNotNameTheGatewaysTempFile() async throws {
        let spool = try TemporarySite()
        let elsewhere = try TemporarySite()
        try spool.write("lurcher-upload-Good01", "the real upload")
        try elsewhere.write("lurcher-upload-Secr3t", "a secret")
        try spool.write("lurcher-upload-Other1", "another upload")
        let good = spool.path + "/lurcher-upload-Good01"
        let outside = elsewhere.path + "/lurcher-upload-Secr3t"
        let other = spool.path + "/lurcher-upload-Other1"
        func upload(_ start: String, _ done: String?) -> [String: String] {
            var headers = ["x-mongrel2-upload-start": start]
            headers["x-mongrel2-upload-done"] = done
            return headers
        }
        let cases = [
            upload("/etc/hostname", "/etc/hostname"), upload(outside, outside), upload(good, other),
            upload(spool.path + "/../" + URL(fileURLWithPath: elsewhere.path).lastPathComponent + "/lurcher-upload-Secr3t",
                   spool.path + "/../" + URL(fileURLWithPath: elsewhere.path).lastPathComponent + "/lurcher-upload-Secr3t"),
            upload("/etc/hostname", nil), upload(good, good),
        ]
        let resultPath = spool.path + "/results.json"
        let forger = try ChildProcess(
            [
                "python3", TestPaths.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/forged_uploads.py").path,
                TestPaths.echoHandler, spool.path, String(decoding: try JSONSerialization.data(withJSONObject: cases), as: UTF8.self),
                resultPath,
            ], outputPath: elsewhere.path + "/forger.log")
        #expect(try await forger.waitForExit(timeout: .seconds(60)) == 0, "\(forger.output)")
        let results = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: resultPath))) as? [Any])
        try #require(results.count == cases.count)
        for (index, result) in results.dropLast().enumerated() {
            let text = try #require(result as? String, "case \(index) was answered")
            #expect(text.hasPrefix("HTTP/1.1 400 "), "case \(index): \(text)")
            #expect(!text.contains("a secret") && !text.contains("another upload"))
        }
        let accepted = try #require(results.last as? String)
        #expect(accepted.hasPrefix("HTTP/1.1 200 "), "\(accepted)")
        #expect(accepted.contains("the real upload"), "the gateway's own temp file is still read")
    }

    /// `X-Forwarded-For`, `X-Forwarded-Proto` and `Forwarded` are believed only from a trusted proxy
    /// (`trusted_proxies`): from any other peer the first is the peer alone and the others are removed, so a client
    /// cannot claim another address or `https`.
    @Test(arguments: [false, true]) func forwardingHeadersAreBelievedOnlyFromTrustedProxies(trusted: Bool) async throws {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])],
            server: { _ in trusted ? "trusted_proxies = [\"10.0.0.0/8\", \"127.0.0.0/8\"]" : "trusted_proxies = [\"10.0.0.0/8\"]" })
        let response = try await onThread {
            try gateway.get(
                "/py/forwarded",
                headers: ["X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https", "Forwarded": "for=192.0.2.1;proto=https"])
        }
        let headers = try #require(try response.json()["headers"] as? [String: Any])
        if trusted {
            #expect(headers["x-forwarded-for"] as? String == "192.0.2.1, 127.0.0.1")
            #expect(headers["x-forwarded-proto"] as? String == "https")
            #expect(headers["forwarded"] as? String == "for=192.0.2.1;proto=https")
        } else {
            #expect(headers["x-forwarded-for"] as? String == "127.0.0.1")
            #expect(headers["x-forwarded-proto"] == nil)
            #expect(headers["forwarded"] == nil)
        }
    }
}
