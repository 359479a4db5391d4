import Foundation
import Testing

/// Mongrel2's control port on the real gateway (`[server] control_port`), asked by a client written with nothing
/// but pyzmq (`Fixtures/control_client.py`), as a REQ and as a DEALER, and by Mongrel2's own `m2sh`.
@Suite struct ControlPortTests {
    private static let uuid = "f400bf85-4538-4f7a-8908-67e313d515c2"

    /// A gateway with its control port at `run/control` in its folder, and the xreply handler at `/x`, which
    /// holds streams open and lists the disconnect notices it was sent.
    private func gateway(mode: String = "req") async throws -> (GatewayProcess, ControlPortClient) {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "x", route: "/x", command: ["python3", TestPaths.pythonExtendedReplyHandler])],
            server: { "uuid = \"\(Self.uuid)\"\ncontrol_port = \"ipc://\($0)/run/control\"" })
        try await gateway.waitForConnected("x", 1)
        return (gateway, ControlPortClient(endpoint: "ipc://\(gateway.directory)/run/control", mode: mode, directory: gateway.directory))
    }

    private static let invalidData = "97:4:code,12:INVALID_DATA,5:error,62:Invalid data, expecting a list with a string and a hash in it.,}"
    private static let invalidArgument = "61:4:code,16:INVALID_ARGUMENT,5:error,22:Invalid argument type.,}"

    @Test(arguments: ["req", "dealer"])
    func everyCommandAndErrorIsAnsweredAsMongrel2AnswersIt(mode: String) async throws {
        let (gateway, port) = try await gateway(mode: mode)
        let before = Int(Date().timeIntervalSince1970)
        let replies = try await port.ask([
            #"["help", {}]"#, #"["time", {}]"#, #"["uuid", {}]"#, #"["info", {}]"#, #"["status", {"what": "tasks"}]"#,
            #"["status", {"what": "net"}]"#, #"["status", {"what": "bogus"}]"#, #"["status", {}]"#, #"["kill", {"id": 999999}]"#,
            #"["kill", {"id": "1"}]"#, #"["nope", {}]"#, "hex:68656c6c6f", #""just a string""#, #"["help"]"#,
        ]).map { try #require($0) }
        #expect(replies[0].rows.map { $0[0] as? String } == [
            "stop", "reload", "help", "control_stop", "kill", "status", "terminate", "time", "uuid", "info",
        ])
        let time = try #require(replies[1].rows.first?.first as? String, "time is a string")
        #expect((before...before + 60).contains(Int(time) ?? 0))
        #expect(replies[2].raw == "75:7:headers,7:4:uuid,]4:rows,44:40:36:\(Self.uuid),]]}")
        #expect(replies[3].headers == ["port", "bind_addr", "uuid", "chroot", "access_log", "error_log", "pid_file", "default_hostname"])
        #expect(replies[3].rows.first?[0] as? Int == gateway.port)
        #expect(replies[3].rows.first?[2] as? String == Self.uuid)
        let pid = try #require(processes(try await gateway.pool("x")).first?["pid"] as? Int)
        #expect(replies[4].headers == ["id", "system", "name", "state", "status"])
        #expect(replies[4].rows.map { $0[0] as? Int } == [pid])
        #expect(replies[5].headers == ["id", "fd", "type", "last_ping", "last_read", "last_write", "bytes_read", "bytes_written"])
        #expect(replies[6].raw == "51:5:error,39:Expected argument what=['net'|'tasks'].,}")
        #expect(replies[7].raw == Self.invalidArgument)
        #expect(replies[8].raw == Self.invalidArgument)
        #expect(replies[9].raw == Self.invalidArgument)
        #expect(replies[10].raw == "74:4:code,18:CALLBACK_NOT_FOUND,5:error,33:Callback requested was not found.,}")
        #expect(replies[11].raw == Self.invalidData)
        #expect(replies[12].raw == "101:4:code,15:INVALID_REQUEST,5:error,63:Invalid request format, must be a list with two elements in it.,}")
        #expect(replies[13].raw == Self.invalidData)
    }

    /// The same requests to a real Mongrel2's control port and to Lurcher's get the same answers: byte for byte
    /// where the answer says nothing about the server, the same tables where it does (times, uuids, ports,
    /// connections, tasks), and the same commands in `help`.
    @Test(.enabled(if: Mongrel2Process.isInstalled, "mongrel2-core is not installed: no comparison with Mongrel2"))
    func mongrel2AndLurcherAnswerTheSameRequestsAlike() async throws {
        let mongrel2 = try await Mongrel2Process(handlers: [.init(name: "x", route: "/x")], controlPort: "ipc://run/control")
        let (gateway, lurcherPort) = try await gateway()
        let mongrel2Port = ControlPortClient(endpoint: "ipc://\(mongrel2.directory)/run/control", directory: gateway.directory)
        let exact = [
            #"["status", {"what": "bogus"}]"#, #"["status", {}]"#, #"["kill", {"id": 999999}]"#, #"["kill", {"id": "1"}]"#,
            #"["nope", {}]"#, "hex:68656c6c6f", #""just a string""#, #"["help"]"#,
        ]
        let tables = [
            #"["help", {}]"#, #"["time", {}]"#, #"["uuid", {}]"#, #"["info", {}]"#, #"["status", {"what": "net"}]"#,
            #"["status", {"what": "tasks"}]"#, #"["uuid", {}, "extra"]"#,
        ]
        let fromMongrel2 = try await mongrel2Port.ask(exact + tables)
        let fromLurcher = try await lurcherPort.ask(exact + tables)
        _ = mongrel2
        #expect(fromMongrel2.allSatisfy { $0 != nil } && fromLurcher.allSatisfy { $0 != nil }, "every request answered")
        for (index, request) in exact.enumerated() {
            #expect(fromLurcher[index]?.raw == fromMongrel2[index]?.raw, "\(request)")
        }
        for (index, request) in tables.enumerated().map({ ($0 + exact.count, $1) }) {
            #expect(fromLurcher[index]?.headers == fromMongrel2[index]?.headers, "\(request)")
        }
        let names = { (reply: ControlPortClient.Reply?) in reply?.rows.map { $0.first as? String } }
        #expect(names(fromLurcher[exact.count]) == names(fromMongrel2[exact.count]), "help lists the same commands")
    }

    @Test func statusNetShowsEachOpenConnectionAndItsBytesGrowing() async throws {
        let (gateway, port) = try await gateway()
        let client = try gateway.connect()
        let request = HTTPConnection.request("GET", "/index.html")
        try client.send(request)
        let first = try client.readResponse()
        #expect(first.status == 200)
        let one = try #require(try await port.ask("status", ["what": "net"])?.rows)
        #expect(one.count == 1, "the only client connection: \(one)")
        let row = one[0].compactMap { $0 as? Int }
        #expect(row[2] == 1, "type 1, HTTP")
        #expect(row[6] == request.utf8.count, "bytes_read")
        let written = row[7]
        #expect(written > first.body.count, "bytes_written counts the head and the body")
        let fd = row[1]
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(gateway.child.pid)/fd/\(fd)")
        #expect(link.hasPrefix("socket:"), "fd \(fd) is the gateway's socket for it: \(link)")

        try client.send(request)
        #expect(try client.readResponse().status == 200)
        let again = try #require(try await port.ask("status", ["what": "net"])?.rows.first?.compactMap { $0 as? Int })
        #expect(again[0] == row[0])
        #expect(again[6] == 2 * request.utf8.count)
        #expect(again[7] == 2 * written, "bytes_written is cumulative")

        let webSocket = try gateway.connect()
        try webSocket.send(HTTPConnection.webSocketHandshake("/x/ws?keepalive=0"))
        #expect(try webSocket.readResponse(toHead: true).status == 101)
        let two = try #require(try await port.ask("status", ["what": "net"])?.rows)
        #expect(two.map { $0[2] as? Int } == [1, 3], "an HTTP connection and a WebSocket (type 3)")
    }

    @Test func killClosesTheConnectionAndItsHandlerHearsOfIt() async throws {
        let (gateway, port) = try await gateway()
        let streaming = try gateway.connect()
        try streaming.send(HTTPConnection.request("GET", "/x/stream?for=60&every=0.5"))
        #expect(try streaming.readResponse(toHead: true).status == 200)
        let id = try #require(try await port.ask("status", ["what": "net"])?.rows.first?.first as? Int)
        #expect(try await port.ask("kill", ["id": id])?.raw == "40:7:headers,9:6:status,]4:rows,8:5:2:OK,]]}")
        _ = try streaming.readToEnd()
        #expect(try streaming.isClosedByServer())
        try await waitUntil("the handler's disconnect notice for \(id)") {
            let notices = try JSONSerialization.jsonObject(with: Data(try gateway.get("/x/disconnects").body)) as? [String]
            return notices?.contains(String(id)) == true
        }
        #expect(try await port.ask("kill", ["id": id])?.raw == Self.invalidArgument, "gone now")
    }

    /// A connection whose request the handler holds for `seconds`, streaming, once the gateway counts it in flight.
    private func stream(on gateway: GatewayProcess, seconds: Double) async throws -> HTTPConnection {
        let streaming = try gateway.connect()
        try streaming.send(HTTPConnection.request("GET", "/x/stream?for=\(seconds)&every=0.3"))
        #expect(try streaming.readResponse(toHead: true).status == 200)
        #expect(try await gateway.inFlight() == 1)
        return streaming
    }

    @Test func stopDrainsTheRequestsInFlight() async throws {
        let (gateway, port) = try await gateway()
        let streaming = try await stream(on: gateway, seconds: 1.5)
        #expect(try await port.ask("stop")?.rows.first?.first as? String == "signal sent to server")
        let rest = String(decoding: try streaming.readToEnd(), as: UTF8.self)
        #expect(rest.contains("end"), "the stream in flight was let finish: \(rest)")
        #expect(try await gateway.child.waitForExit(timeout: .seconds(30)) == 0)
    }

    @Test func terminateStopsAtOnce() async throws {
        let (gateway, port) = try await gateway()
        let streaming = try await stream(on: gateway, seconds: 20)
        let started = ContinuousClock.now
        #expect(try await port.ask("terminate")?.rows.first?.first as? String == "signal sent to server")
        let rest = String(decoding: try streaming.readToEnd(), as: UTF8.self)
        #expect(!rest.contains("end"), "cut off, not drained: \(rest)")
        _ = try await gateway.child.waitForExit(timeout: .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(15), "well before the 20 s stream could have ended")
    }

    @Test func reloadAppliesTheConfigurationFile() async throws {
        let (gateway, port) = try await gateway()
        #expect(try await gateway.runStatus()["reloads"] as? Int == 0)
        let config = try String(contentsOfFile: gateway.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "\"/x\" = { handler = \"x\" }", with: "\"/x\" = { handler = \"x\" }\n\"/y\" = { handler = \"x\" }")
            .write(toFile: gateway.configPath, atomically: true, encoding: .utf8)
        #expect(try gateway.get("/y/anything").status == 404)
        #expect(try await port.ask("reload")?.rows.first?.first as? String == "signal sent to server")
        try await waitUntil("the reload to be applied") { try await gateway.runStatus()["reloads"] as? Int == 1 }
        #expect(try gateway.get("/y/anything").status == 200)
    }

    @Test func controlStopClosesThePortAndLeavesTheGatewayRunning() async throws {
        let (gateway, port) = try await gateway()
        let socketFile = gateway.directory + "/run/control"
        #expect(FileManager.default.fileExists(atPath: socketFile))
        #expect(try await port.ask("control_stop")?.rows.first?.first as? String == "stopping the control port")
        try await waitUntil("the socket file to go") { !FileManager.default.fileExists(atPath: socketFile) }
        #expect(try await port.ask(["[\"help\", {}]"], timeout: .seconds(1)).first! == nil, "no one answers")
        #expect(try gateway.get("/index.html").status == 200)
        #expect(try await gateway.gatewayStatus()["openConnections"] != nil)
    }

    @Test func hostileRequestsGetErrorsOrAreDroppedAndThePortServesOn() async throws {
        let (gateway, port) = try await gateway(mode: "dealer")
        let deep = String(repeating: "[", count: 100_000)
        var nested = "[\"help\", {}]"
        for _ in 0..<300 { nested = "[\(nested)]" }
        // A request of 240 KB: `help` with 20,000 arguments.
        let wide = "\((0..<20000).map { "2:k\($0 % 10),4:1:1#]" }.joined())"
        let replies = try await port.ask(
            // Files for the large ones: one argument may hold 128 KiB at most.
            [try ControlPortClient.file(Array(deep.utf8), in: gateway.directory), nested,
             ControlPortClient.raw([0xFF, 0x00, 0x3A]), try ControlPortClient.file(Self.tnetstring(wide), in: gateway.directory),
             ControlPortClient.raw(Array("10:4:help,0:}]".utf8) + [0]),
             try ControlPortClient.file(Array(repeating: UInt8(ascii: "9"), count: 2 << 20), in: gateway.directory),
             #"["uuid", {}]"#],
            timeout: .seconds(5))
        #expect(replies[0]?.raw == Self.invalidData)
        #expect(replies[1]?.raw == Self.invalidData, "nested too deep")
        #expect(replies[2]?.raw == Self.invalidData)
        #expect(replies[3]?.headers == ["name", "help"], "a large request that fits is answered")
        #expect(replies[4]?.headers == ["name", "help"], "m2sh's trailing NUL is ignored")
        #expect(replies[5] == nil, "a request over 1 MiB drops its client unanswered")
        #expect(replies[6]?.rows.first?.first as? String == Self.uuid, "and the port answers the next")
        #expect(gateway.child.isRunning)
    }

    @Test func theIPCSocketFileIsPrivate() async throws {
        let (gateway, _) = try await gateway()
        let attributes = try FileManager.default.attributesOfItem(atPath: gateway.directory + "/run/control")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(attributes[.type] as? FileAttributeType == .typeSocket)
    }

    @Test func aLoopbackTCPControlPortAnswers() async throws {
        let tcpPort = try freeTCPPort()
        let gateway = try await GatewayProcess(handlers: [], server: { _ in "control_port = \"tcp://127.0.0.1:\(tcpPort)\"" })
        let port = ControlPortClient(endpoint: "tcp://127.0.0.1:\(tcpPort)", directory: gateway.directory)
        #expect(try await port.ask("status", ["what": "net"])?.rows.count == 0)
    }

    @Test func aNonLoopbackTCPControlPortIsRefusedUntilAllowed() async throws {
        let directory = NSTemporaryDirectory() + "lurcher-cp-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/lurcher.toml"
        let hosts = "[[hosts]]\nname = \"localhost\"\n[hosts.routes]\n\"/\" = { dir = \"/tmp\" }\n"
        try "[server]\ncontrol_port = \"tcp://0.0.0.0:9999\"\n\(hosts)".write(toFile: path, atomically: true, encoding: .utf8)
        let check = try ChildProcess([TestPaths.lurcher, "check", "--config", path], outputPath: directory + "/check.log")
        #expect(try await check.waitForExit() != 0)
        #expect(check.output.contains(path) && check.output.contains("server.control_port"), "\(check.output)")
        #expect(check.output.contains("control_port_allow_remote = true"), "the fix: \(check.output)")
        try "[server]\ncontrol_port = \"tcp://0.0.0.0:9999\"\ncontrol_port_allow_remote = true\n\(hosts)".write(
            toFile: path, atomically: true, encoding: .utf8)
        let allowed = try ChildProcess([TestPaths.lurcher, "check", "--config", path], outputPath: directory + "/allowed.log")
        #expect(try await allowed.waitForExit() == 0, "\(allowed.output)")
    }
}

extension ControlPortTests {
    /// `["help", {ARGUMENTS}]` for the dict payload `arguments`, already in tnetstring form.
    fileprivate static func tnetstring(_ arguments: String) -> [UInt8] {
        let dict = "\(arguments.utf8.count):\(arguments)}"
        let list = "4:help,\(dict)"
        return Array("\(list.utf8.count):\(list)]".utf8)
    }
}
