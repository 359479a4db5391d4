import Foundation
import Testing

/// `lurcher start --mongrel2 config.sqlite UUID` runs a server of a database the real `m2sh load` wrote from a
/// configuration in Mongrel2's own language: two servers in one database, several hosts, and Dir, Handler and
/// Proxy routes, answered as curl would see them.
@Suite(.enabled(if: Mongrel2Process.isInstalled, "m2sh (mongrel2-core) is not installed"))
struct Mongrel2DropInTests {
    /// A folder holding `mongrel2.conf`, the database m2sh made of it, and the chroot's folders.
    private final class LoadedConfiguration: @unchecked Sendable {
        // @unchecked: one test drives it.
        let directory = NSTemporaryDirectory() + "lurcher-m2-" + UUID().uuidString.prefix(8)
        let port: Int
        let otherPort: Int
        let uuid = UUID().uuidString.lowercased()
        let otherUUID = UUID().uuidString.lowercased()

        private let sendIdent = UUID().uuidString.lowercased()

        init(backendPort: Int, extraRoute: String = "", settings: String = "") async throws {
            port = try freeTCPPort()
            otherPort = try freeTCPPort()
            for folder in ["static", "other", "logs", "run", "tmp"] {
                try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
            }
            try "hello from a Mongrel2 Dir\n".write(toFile: directory + "/static/index.html", atomically: true, encoding: .utf8)
            try "the other host\n".write(toFile: directory + "/other/index.html", atomically: true, encoding: .utf8)
            try await load(backendPort: backendPort, extraRoute: extraRoute, settings: settings)
        }

        /// Writes `mongrel2.conf` and loads it with m2sh, replacing the database's rows.
        func load(backendPort: Int, extraRoute: String = "", settings: String = "") async throws {
            let conf = """
                static_dir = Dir(base='static/', index_file='index.html', default_ctype='text/plain', cache_ttl=60)
                other_dir = Dir(base='other/', index_file='index.html', default_ctype='text/plain')
                python = Handler(send_spec='ipc://run/py-requests', send_ident='\(sendIdent)',
                                 recv_spec='ipc://run/py-replies', recv_ident='')
                backend = Proxy(addr='127.0.0.1', port=\(backendPort))

                main = Server(
                    uuid="\(uuid)", access_log="/logs/access.log", error_log="/logs/error.log", chroot="./",
                    default_host="localhost", name="main", pid_file="/run/mongrel2.pid",
                    bind_addr="127.0.0.1", port=\(port),
                    hosts = [
                        Host(name="localhost", routes={
                            '/': static_dir, '/py': python, '/api/': backend\(extraRoute)
                        }),
                        Host(name="other.test", matching="other.test", routes={'/': other_dir})
                    ]
                )
                second = Server(
                    uuid="\(otherUUID)", access_log="/logs/second.log", error_log="/logs/second-error.log", chroot="./",
                    default_host="localhost", name="second", pid_file="/run/second.pid",
                    bind_addr="127.0.0.1", port=\(otherPort),
                    hosts = [Host(name="localhost", routes={'/': other_dir})]
                )
                settings = {"zeromq.threads": 1, "limits.content_length": 20480,
                            "upload.temp_store": "/tmp/upload.XXXXXX"\(settings)}
                servers = [main, second]
                """
            try conf.write(toFile: directory + "/mongrel2.conf", atomically: true, encoding: .utf8)
            let load = try ChildProcess(
                ["sh", "-c", "cd \"$0\" && exec m2sh load -config mongrel2.conf -db config.sqlite", directory],
                environment: ["LOGNAME": "lurcher-test"], outputPath: directory + "/m2sh-load.log")
            #expect(try await load.waitForExit() == 0, "m2sh load: \(load.output)")
        }

        /// `lurcher ARGUMENTS` run in the folder, as a Mongrel2 user runs `mongrel2 config.sqlite UUID` there.
        func lurcher(_ arguments: [String], log: String) throws -> ChildProcess {
            try ChildProcess(
                ["sh", "-c", "cd \"$0\" && shift && exec \"$@\"", directory, "x", TestPaths.lurcher] + arguments,
                environment: ["LURCHER_STOP_WITH_PARENT": "1"], outputPath: directory + "/" + log, releaseSignal: SIGTERM)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func started(_ loaded: LoadedConfiguration, server uuid: String, log: String = "lurcher.log") async throws -> ChildProcess {
        let gateway = try loaded.lurcher(["start", "--mongrel2", "config.sqlite", uuid], log: log)
        try await waitUntil("lurcher --mongrel2 to listen (\(loaded.directory)/\(log))") {
            guard gateway.isRunning else { throw GatewayProcess.GatewayExited(log: gateway.output) }
            return gateway.output.contains("listening on http://")
        }
        return gateway
    }

    private func get(_ port: Int, _ target: String, host: String = "localhost") throws -> HTTPResponse {
        let connection = try HTTPConnection(port: port)
        try connection.send("GET \(target) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        return try connection.readResponse()
    }

    @Test func everyRouteOfAMongrel2ServerIsServed() async throws {
        let backend = try await ProxyBackendProcess()
        let loaded = try await LoadedConfiguration(backendPort: backend.port)
        let gateway = try await started(loaded, server: loaded.uuid)
        let handler = try ChildProcess(
            ["python3", TestPaths.pythonHandler, "ipc://\(loaded.directory)/run/py-requests", "ipc://\(loaded.directory)/run/py-replies"],
            outputPath: loaded.directory + "/py.log")

        let file = try get(loaded.port, "/")
        #expect(file.text == "hello from a Mongrel2 Dir\n", "a Dir base is the chroot's")
        #expect(file.header("cache-control") == "max-age=60", "cache_ttl")
        #expect(try get(loaded.port, "/", host: "other.test").text == "the other host\n")
        #expect(try get(loaded.port, "/", host: "www.other.test").text == "the other host\n", "matching takes subdomains")
        #expect(try get(loaded.port, "/api/hello").text == "hello", "a Proxy route")
        try await waitUntil("the Mongrel2 handler to answer") {
            (try? get(loaded.port, "/py/x"))?.status == 200
        }
        #expect(try get(loaded.port, "/py/x").json()["handler"] as? String == "python")
        try await waitUntil("the access log to be written in the chroot") {
            FileManager.default.fileExists(atPath: loaded.directory + "/logs/access.log")
        }
        _ = handler

        let second = try await started(loaded, server: loaded.otherUUID, log: "second.log")
        #expect(try get(loaded.otherPort, "/").text == "the other host\n", "the second server of the same database")
        _ = (gateway, second)
    }

    @Test func aReloadReadsTheDatabaseAgain() async throws {
        let loaded = try await LoadedConfiguration(backendPort: 9)
        let gateway = try await started(loaded, server: loaded.uuid)
        #expect(try get(loaded.port, "/more/").status == 404)
        try await loaded.load(backendPort: 9, extraRoute: ", '/more/': other_dir")
        let reload = try loaded.lurcher(
            ["ctl", "reload", "--socket", "run/lurcher-\(loaded.uuid.prefix(8)).sock"], log: "reload.log")
        #expect(try await reload.waitForExit() == 0, "\(reload.output)")
        #expect(try get(loaded.port, "/more/").text == "the other host\n")
        let status = try loaded.lurcher(["ctl", "status", "--mongrel2", "config.sqlite", loaded.uuid], log: "status.log")
        #expect(try await status.waitForExit() == 0, "ctl finds the server's socket from the database: \(status.output)")
        _ = gateway
    }

    @Test func checkListsWhatItCannotMapWithItsRow() async throws {
        let loaded = try await LoadedConfiguration(
            backendPort: 9, extraRoute: ", '/pattern/(.*).json': static_dir", settings: ", \"limits.made_up\": 1")
        let check = try loaded.lurcher(["check", "--mongrel2", "config.sqlite", loaded.uuid], log: "check.log")
        #expect(try await check.waitForExit() == 78)
        let output = check.output
        #expect(output.contains("(/pattern/(.*).json): a pattern route"), "\(output)")
        #expect(output.contains("setting limits.made_up = 1: is not a setting Lurcher knows"), "\(output)")

        let fine = try await LoadedConfiguration(backendPort: 9)
        let ok = try fine.lurcher(["check", "--mongrel2", "config.sqlite", fine.uuid], log: "check.log")
        #expect(try await ok.waitForExit() == 0, "\(ok.output)")
        #expect(ok.output.contains("warning: server 1 (\(fine.uuid)): pid_file /run/mongrel2.pid is not written"), "\(ok.output)")
        #expect(ok.output.contains("warning: setting zeromq.threads = 1"), "\(ok.output)")
        let unknown = try fine.lurcher(["check", "--mongrel2", "config.sqlite", "no-such-uuid"], log: "unknown.log")
        #expect(try await unknown.waitForExit() == 78)
        #expect(unknown.output.contains("no server has uuid no-such-uuid"), "\(unknown.output)")
    }

    /// Mongrel2's documented example (`examples/configs/sample.conf` in Mongrel2 1.12), on a free port and on
    /// loopback (`bind_addr`, whose default is every address).
    @Test func mongrel2sSampleConfigurationRuns() async throws {
        let directory = NSTemporaryDirectory() + "lurcher-m2-sample-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for folder in ["tests", "logs", "run"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        try "sample\n".write(toFile: directory + "/tests/index.html", atomically: true, encoding: .utf8)
        let port = try freeTCPPort()
        try """
            main = Server(
                uuid="f400bf85-4538-4f7a-8908-67e313d515c2",
                access_log="/logs/access.log",
                error_log="/logs/error.log",
                chroot="./",
                default_host="localhost",
                name="test",
                pid_file="/run/mongrel2.pid",
                port=\(port),
                bind_addr="127.0.0.1",
                hosts = [
                    Host(name="localhost", routes={
                        '/tests/': Dir(base='tests/', index_file='index.html',
                                         default_ctype='text/plain')
                    })
                ]
            )

            servers = [main]
            """.write(toFile: directory + "/mongrel2.conf", atomically: true, encoding: .utf8)
        let load = try ChildProcess(
            ["sh", "-c", "cd \"$0\" && exec m2sh load -config mongrel2.conf -db config.sqlite", directory],
            environment: ["LOGNAME": "lurcher-test"], outputPath: directory + "/m2sh-load.log")
        #expect(try await load.waitForExit() == 0, "m2sh load: \(load.output)")
        let gateway = try ChildProcess(
            ["sh", "-c", "cd \"$0\" && exec \"$1\" start --mongrel2 config.sqlite f400bf85-4538-4f7a-8908-67e313d515c2",
             directory, TestPaths.lurcher],
            environment: ["LURCHER_STOP_WITH_PARENT": "1"], outputPath: directory + "/lurcher.log", releaseSignal: SIGTERM)
        try await waitUntil("lurcher --mongrel2 to listen") {
            guard gateway.isRunning else { throw GatewayProcess.GatewayExited(log: gateway.output) }
            return gateway.output.contains("listening on http://")
        }
        let connection = try HTTPConnection(port: port)
        try connection.send("GET /tests/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try connection.readResponse()
        #expect(response.text == "sample\n")
        #expect(response.header("content-type")?.hasPrefix("text/html") == true)
    }
}
