import Foundation
import Testing

/// The `lurcher` command as a user runs it.
@Suite struct CommandLineTests {
    private func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let directory = NSTemporaryDirectory() + "lurcher-cli-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess([TestPaths.lurcher] + arguments, outputPath: directory + "/out.log")
        let status = try await child.waitForExit()
        return (status, child.output)
    }

    @Test func versionPrintsTheRelease() async throws {
        let result = try await run(["--version"])
        #expect(result.status == 0)
        let version = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." }, "\(version)")
    }

    @Test func checkAcceptsTheDefaultConfiguration() async throws {
        // As scripts/start does first: the [tls] listener's self-signed pair, in run/tls/.
        let certificate = try await runCommand([TestPaths.packageRoot.path + "/scripts/make-dev-certificate"], in: NSTemporaryDirectory())
        #expect(certificate.status == 0, "\(certificate.output)")
        let result = try await run(["check"])
        #expect(result.status == 0)
        #expect(result.output.contains("conf/lurcher.toml: OK"))
    }

    @Test func checkNamesTheFileTheKeyAndTheFix() async throws {
        let path = NSTemporaryDirectory() + "bad-\(UUID().uuidString.prefix(8)).toml"
        try "[server]\nlisten = \"nowhere\"\n[[hosts]]\nname = \"x\"\n[hosts.routes]\n\"/\" = { dir = \"static\" }\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await run(["check", "--config", path])
        #expect(result.status == 78)
        #expect(result.output.contains(path))
        #expect(result.output.contains("server.listen"))
        #expect(result.output.contains("Fix:"))
    }

    /// What `start` would refuse, `check` refuses first: a pool's command that names no executable, an access log
    /// in a folder that does not exist, two listeners on one port.
    @Test(arguments: [
        ("[handlers.h]\nsend_spec = \"ipc:///tmp/lurcher-check-s\"\nrecv_spec = \"ipc:///tmp/lurcher-check-r\"\nsend_ident = \"h\"\ncommand = [\"/nonexistent/handler\"]\n",
         "handlers.h.command"),
        ("[access_log]\npath = \"/nonexistent/folder/access.log\"\n", "access_log.path"),
        ("[admin]\nlisten = \"127.0.0.1:6767\"\n", "admin.listen"),
    ])
    func checkRefusesWhatStartWouldRefuse(table: String, key: String) async throws {
        let path = NSTemporaryDirectory() + "refused-\(UUID().uuidString.prefix(8)).toml"
        try "[server]\nlisten = \"127.0.0.1:6767\"\n[[hosts]]\nname = \"x\"\n[hosts.routes]\n\"/\" = { dir = \"/tmp\" }\n\(table)"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await run(["check", "--config", path])
        #expect(result.status == 78, "\(result.output)")
        #expect(result.output.contains("\(path): \(key):"), "\(result.output)")
        #expect(result.output.contains("Fix:"))
    }

    /// The moment after an operator has broken the file is when they need `ctl`: it reads `server.control` alone.
    @Test func ctlStillReachesTheGatewayWhenTheFileOnDiskIsInvalid() async throws {
        let gateway = try await GatewayProcess(handlers: [])
        let valid = try String(contentsOfFile: gateway.configPath, encoding: .utf8)
        try (valid + "\n[no_such_section]\nkey = 1\n").write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
        #expect(try await run(["check", "--config", gateway.configPath]).status == 78, "the file is invalid")
        let status = try await run(["ctl", "status", "--json", "--config", gateway.configPath])
        #expect(status.status == 0, "\(status.output)")
        #expect(status.output.contains("\"gateway\""))
        // Not TOML at all: the default socket is tried, with a warning saying why.
        try "not = [toml".write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
        let unreadable = try await run(["ctl", "status", "--config", gateway.configPath])
        #expect(unreadable.output.contains("is not valid TOML"))
    }

    @Test func theDefaultConfigurationServesStaticFilesAndTheHelloHandler() async throws {
        let gateway = try await DefaultConfigurationGateway()
        let (port, directory, child) = (gateway.port, gateway.directory, gateway.child)
        let index = try HTTPConnection(port: port)
        try index.send(HTTPConnection.request("GET", "/"))
        let page = try index.readResponse()
        #expect(page.status == 200)
        #expect(page.text == (try String(contentsOfFile: TestPaths.packageRoot.path + "/static/index.html", encoding: .utf8)))
        let hello = try HTTPConnection(port: port)
        try hello.send(HTTPConnection.request("GET", "/hello"))
        #expect(try hello.readResponse().text.hasPrefix("Hello from Lurcher"))
        // The chat page is a file beside the /chat route, not under it (a route is a prefix).
        let chatPage = try HTTPConnection(port: port)
        try chatPage.send(HTTPConnection.request("GET", "/websocket-chat.html"))
        let chatPageResponse = try chatPage.readResponse()
        #expect(chatPageResponse.status == 200)
        #expect(chatPageResponse.text.contains("new WebSocket("))
        let chat = try ChildProcess(
            ["python3", TestPaths.webSocketClient, "ws://127.0.0.1:\(port)/chat", "chat"], outputPath: directory + "/chat.out")
        #expect(try await chat.waitForExit(timeout: .seconds(60)) == 0, "chat: \(chat.output)")
        // The HTTPS listener, with the self-signed certificate made for it.
        let https = try await runCommand(
            ["curl", "-sS", "--max-time", "20", "--cacert", directory + "/tls/cert.pem", "https://localhost:\(gateway.tlsPort)/hello"],
            in: directory)
        #expect(https.output.hasPrefix("Hello from Lurcher"), "\(https.output)")
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)
    }
}
