import Foundation

/// A real Mongrel2 (Debian's `mongrel2-core`, 1.12) on a free loopback port, configured by `m2sh load` from a
/// generated `mongrel2.conf` in a temp folder, which is also its chroot. Tests run the same pyzmq handler behind it
/// and behind Lurcher, and compare what each gateway sent.
final class Mongrel2Process: @unchecked Sendable {
    // @unchecked: as GatewayProcess, one test drives it.
    let directory: String
    let child: ChildProcess
    let port: Int
    let uuid = "m2-" + UUID().uuidString.prefix(8).lowercased()

    /// Whether the tests can run Mongrel2 here: both its binaries are installed (`scripts/install-dependencies
    /// --test` installs them). A test that compares with Mongrel2 skips that part, saying so, when they are not.
    static var isInstalled: Bool {
        ["mongrel2", "m2sh"].allSatisfy { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        }
    }

    /// A `Handler` route: Mongrel2 binds ipc sockets named after it in its folder, PUSH for requests and SUB for
    /// replies; the test's handler connects to ``handlerSpecs(_:)``.
    struct Handler {
        var name: String
        var route: String
        var sendIdent = UUID().uuidString.lowercased()
    }

    /// The endpoints handler `name`'s process connects to: its request (PULL) and reply (PUB) sockets, in the
    /// order Mongrel2 handlers take them on their command line. (Mongrel2 binds them relative to its chroot,
    /// which is this folder.)
    func handlerSpecs(_ name: String) -> [String] {
        ["ipc://\(directory)/run/\(name)-requests", "ipc://\(directory)/run/\(name)-replies"]
    }

    /// Writes the configuration, loads it with `m2sh` and starts Mongrel2 in the foreground.
    /// - Parameters:
    ///   - settings: entries of Mongrel2's `settings` dict, as they appear in its config language, such as
    ///     `"download.flow_control": "1"` or `"limits.content_length": "4096"`.
    ///   - controlPort: the server's `control_port`, such as `ipc://run/control` (relative to the chroot).
    init(handlers: [Handler], settings: [String: String] = [:], controlPort: String? = nil) async throws {
        directory = NSTemporaryDirectory() + "mongrel2-test-" + UUID().uuidString.prefix(8)
        for folder in ["logs", "run", "tmp"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        // Mongrel2 cannot be told to pick a port and report it, as Lurcher can.
        port = try freeTCPPort()
        let routes = handlers.enumerated().map { "'\($1.route)': h\($0)" }.joined(separator: ", ")
        var conf = handlers.enumerated().map { index, handler in
            "h\(index) = Handler(send_spec='ipc://run/\(handler.name)-requests', send_ident='\(handler.sendIdent)', "
                + "recv_spec='ipc://run/\(handler.name)-replies', recv_ident='')\n"
        }.joined()
        conf += """
            main = Server(uuid="\(uuid)", access_log="/logs/access.log", error_log="/logs/error.log", chroot="./",
                default_host="localhost", name="test", pid_file="/run/mongrel2.pid", bind_addr="127.0.0.1", port=\(port),
                \(controlPort.map { "control_port=\"\($0)\"," } ?? "")
                hosts=[Host(name="localhost", routes={\(routes)})])
            settings = {\((["\"server.daemonize\"": "0", "\"zeromq.threads\"": "1"].merging(
                settings.map { ("\"\($0.key)\"", $0.value) }, uniquingKeysWith: { $1 })).map { "\($0.key): \($0.value)" }
                .sorted().joined(separator: ", "))}
            servers = [main]

            """
        try conf.write(toFile: directory + "/mongrel2.conf", atomically: true, encoding: .utf8)
        let load = try ChildProcess(
            ["sh", "-c", "cd \"$0\" && exec m2sh load -config mongrel2.conf -db config.sqlite", directory],
            outputPath: directory + "/m2sh-load.log")
        guard try await load.waitForExit() == 0 else { throw Failed(what: "m2sh load", log: load.output) }
        // Mongrel2 drops privileges to its chroot's owner and logs who it is from LOGNAME. It is released with SIGKILL:
        // on SIGTERM it can hang in zmq_term on a notice it could not deliver, and the test wants nothing more of it.
        child = try ChildProcess(
            ["sh", "-c", "cd \"$0\" && exec mongrel2 config.sqlite \"$1\"", directory, uuid],
            environment: ["LOGNAME": ProcessInfo.processInfo.environment["LOGNAME"] ?? "root"],
            outputPath: directory + "/mongrel2.log")
        let port = self.port
        try await waitUntil("mongrel2 to listen on \(port) (log: \(directory)/mongrel2.log)") {
            guard child.isRunning else { throw Failed(what: "mongrel2", log: child.output) }
            return (try? HTTPConnection(port: port)) != nil
        }
    }

    struct Failed: Error, CustomStringConvertible {
        var what: String
        var log: String
        var description: String { "\(what) failed:\n\(log)" }
    }

    /// Waits until a handler answers a GET for `path`: Mongrel2 cannot say when a handler has connected, and a
    /// request it routes before then is not answered.
    func waitForHandler(answering path: String) async throws {
        try await waitUntil("a handler to answer \(path) through mongrel2 (log: \(directory)/mongrel2.log)") {
            let connection = try HTTPConnection(port: port, server: self, receiveTimeout: 1)
            try connection.send(HTTPConnection.request("GET", path))
            return (try? connection.readResponse()) != nil
        }
    }

    /// Opens a new client connection, which keeps this Mongrel2 running while it is open.
    func connect() throws -> HTTPConnection {
        try HTTPConnection(port: port, server: self)
    }

    deinit {
        child.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
