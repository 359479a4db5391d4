import Foundation

/// A real `lurcher start` on an ephemeral port, with its configuration and ZeroMQ endpoints in a temp folder.
final class GatewayProcess: @unchecked Sendable {
    // @unchecked: see ChildProcess; one test drives it.
    let directory: String
    let child: ChildProcess
    let port: Int
    /// The gateway this one was started after, in the same folder (see ``init(after:)``): kept, so that the
    /// folder is removed once, by the first, after both are done.
    private let previous: GatewayProcess?

    /// A handler route for the configuration: `command` nil means the test starts the handler itself.
    struct Handler {
        var name: String
        var route: String
        var command: [String]?
        var processes = 1
        var protocolName = "json"
        /// `push` or `broker`.
        var mode = "push"
        /// Whether a broker-mode handler gets a `job_spec` (see ``GatewayProcess/jobSpec(_:)``).
        var jobs = false
        /// Extra TOML lines for the handler's table, such as `max_processes = 4`.
        var extra = ""
    }

    /// Writes a configuration with `handlers` (plus `/` serving `static/`) and starts the gateway.
    /// - Parameters:
    ///   - routes: extra TOML lines for the host's routes table, such as `"/files" = { dir = "..." }`.
    ///   - extra: TOML tables appended to the file, such as `[access_log]` or `[uploads]`.
    ///   - server: more lines for the `[server]` table, given the gateway's folder, such as a `control_port` in it.
    ///   - logLevel: lurcher's `--log-level`.
    ///   - throughShell: start the gateway from a shell, which is then ``child`` (see ``gatewayPID``), so a test
    ///     can kill the gateway's parent.
    ///   - options: more options for `lurcher start`, such as `--watch`.
    init(
        handlers: [Handler], hold: Double = 10, reply: Double = 10, request: Double = 30, keepAlive: Double = 60,
        write: Double = 60, webSocketIdle: Double = 300, limits: String = "", routes: String = "", extra: String = "",
        server: (_ directory: String) -> String = { _ in "" }, logLevel: String = "debug",
        throughShell: Bool = false, options: [String] = []
    ) async throws {
        directory = NSTemporaryDirectory() + "lurcher-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var toml = """
            [server]
            listen = "127.0.0.1:0"
            control = "\(directory)/control.sock"
            \(server(directory))

            [limits]
            \(limits)

            [timeouts]
            hold = \(hold)
            reply = \(reply)
            request = \(request)
            keepalive = \(keepAlive)
            write = \(write)
            websocket_idle = \(webSocketIdle)

            [[hosts]]
            name = "localhost"
            [hosts.routes]
            "/" = { dir = "\(TestPaths.site)" }
            \(routes)

            """
        for handler in handlers { toml += "\"\(handler.route)\" = { handler = \"\(handler.name)\" }\n" }
        for handler in handlers {
            toml += """

                [handlers.\(handler.name)]
                mode = "\(handler.mode)"
                send_spec = "\(Self.sendSpec(directory, handler.name))"
                send_ident = "ident-\(handler.name)"
                protocol = "\(handler.protocolName)"

                """
            toml += handler.mode == "push" ? "recv_spec = \"\(Self.recvSpec(directory, handler.name))\"\n" : ""
            toml += handler.jobs ? "job_spec = \"\(Self.jobSpec(directory, handler.name))\"\n" : ""
            if let command = handler.command {
                toml += "command = [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]\nprocesses = \(handler.processes)\n\(handler.extra)\n"
            }
        }
        toml += "\n" + extra + "\n"
        try toml.write(toFile: directory + "/lurcher.toml", atomically: true, encoding: .utf8)
        previous = nil
        do {
            (child, port) = try await Self.launch(
                in: directory, log: "lurcher.log", logLevel: logLevel, throughShell: throughShell, options: options)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Starts `lurcher start` again with the configuration and folder of `previous`, as an operator does after
    /// a gateway died: the same control socket, run directory and ZeroMQ endpoints.
    init(after previous: GatewayProcess, logLevel: String = "debug") async throws {
        directory = previous.directory
        self.previous = previous
        (child, port) = try await Self.launch(
            in: directory, log: "lurcher-\(UUID().uuidString.prefix(8)).log", logLevel: logLevel)
    }

    /// Starts `lurcher start` with the configuration in `directory` and waits for it to listen.
    private static func launch(
        in directory: String, log: String, logLevel: String, throughShell: Bool = false, options: [String] = []
    ) async throws -> (ChildProcess, Int) {
        var command = [
            TestPaths.lurcher, "start", "--config", directory + "/lurcher.toml", "--log-level", logLevel, "--stop-timeout", "5",
        ] + options
        if throughShell { command = ["sh", "-c", "\"$@\" & echo $! > \"$0\"; wait", gatewayPIDPath(directory)] + command }
        let child = try ChildProcess(
            command, environment: ["LURCHER_STOP_WITH_PARENT": "1"], outputPath: directory + "/" + log, releaseSignal: SIGTERM)
        var port = 0
        try await waitUntil("the gateway to listen (log: \(directory)/\(log))") {
            guard child.isRunning else { throw GatewayExited(log: child.output) }
            guard let listening = listeningPort(in: child.output) else { return false }
            port = listening
            return true
        }
        return (child, port)
    }

    /// A gateway with the Python Mongrel2 handler (`Fixtures/mongrel2_handler.py`) at `/py`, once the handler
    /// has connected.
    static func withPythonHandler(reply: Double = 10, limits: String = "", extra: String = "") async throws -> GatewayProcess {
        let gateway = try await GatewayProcess(
            handlers: [.init(name: "py", route: "/py", command: ["python3", TestPaths.pythonHandler])], reply: reply,
            limits: limits, extra: extra)
        try await gateway.waitForConnected("py", 1)
        return gateway
    }

    struct GatewayExited: Error, CustomStringConvertible {
        var log: String
        var description: String { "lurcher exited before listening:\n\(log)" }
    }

    static func sendSpec(_ directory: String, _ name: String) -> String { "ipc://\(directory)/\(name)-requests" }
    static func recvSpec(_ directory: String, _ name: String) -> String { "ipc://\(directory)/\(name)-replies" }

    /// Where a handler's job clients connect, when it has `jobs`.
    func jobSpec(_ name: String) -> String { Self.jobSpec(directory, name) }
    static func jobSpec(_ directory: String, _ name: String) -> String { "ipc://\(directory)/\(name)-jobs" }

    /// The environment a handler started by the test needs to reach this gateway.
    func handlerEnvironment(_ name: String, mode: String = "push") -> [String: String] {
        ["LURCHER_SEND_SPEC": Self.sendSpec(directory, name), "LURCHER_RECV_SPEC": Self.recvSpec(directory, name),
         "LURCHER_HANDLER_NAME": name, "LURCHER_MODE": mode]
    }

    var log: String { child.output }

    /// The gateway's pid, when it was started ``init(handlers:hold:reply:request:keepAlive:write:limits:routes:extra:logLevel:throughShell:)``
    /// through a shell.
    var gatewayPID: Int32? {
        (try? String(contentsOfFile: Self.gatewayPIDPath(directory), encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private static func gatewayPIDPath(_ directory: String) -> String { directory + "/gateway.pid" }

    var controlSocket: String { directory + "/control.sock" }

    /// The configuration file the gateway was started with; reload tests rewrite it.
    var configPath: String { directory + "/lurcher.toml" }

    /// Runs `lurcher ctl ARGUMENTS --socket` against this gateway; returns its exit status and output.
    func ctl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let command = try startCtl(arguments)
        let status = try await command.waitForExit(timeout: .seconds(60))
        return (status, command.output)
    }

    /// ``ctl(_:)`` for code on a thread of its own (inside ``onThread(_:)``): it blocks that thread instead of
    /// suspending, so a busy cooperative pool cannot make it late.
    func ctlBlocking(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let command = try startCtl(arguments)
        try waitUntilBlocking("lurcher ctl \(arguments.joined(separator: " ")) to exit", timeout: .seconds(60)) { !command.isRunning }
        return (command.process.terminationStatus, command.output)
    }

    private func startCtl(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(
            [TestPaths.lurcher, "ctl"] + arguments + ["--socket", controlSocket],
            outputPath: directory + "/ctl-\(UUID().uuidString.prefix(8)).log")
    }

    /// Opens a new client connection, which keeps this gateway running while it is open.
    func connect(receiveBuffer: Int32? = nil) throws -> HTTPConnection {
        try HTTPConnection(port: port, server: self, receiveBuffer: receiveBuffer)
    }

    /// Sends one request on a new connection and reads the response.
    func get(_ target: String, headers: [String: String] = [:]) throws -> HTTPResponse {
        let connection = try connect()
        try connection.send(HTTPConnection.request("GET", target, headers: headers))
        return try connection.readResponse()
    }

    /// SIGTERM, then waits for the gateway to exit; returns its exit status.
    @discardableResult
    func stop() async throws -> Int32 {
        child.signal(SIGTERM)
        return try await child.waitForExit()
    }

    /// The HTTPS listener's port, with `[tls]` in the configuration: it is announced before the HTTP one.
    var tlsPort: Int? { Self.listeningPort(in: log, scheme: "https") }

    private static func listeningPort(in log: String, scheme: String = "http") -> Int? {
        guard let range = log.range(of: "listening on \(scheme)://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    deinit {
        if previous == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}
