import LurcherConfiguration
import Testing

/// The configuration file is validated before anything starts, and errors name the file, key and fix.
@Suite struct ConfigurationLoaderTests {
    private let valid = """
        [server]
        listen = "127.0.0.1:8080"
        uuid = "server-1"

        [timeouts]
        hold = 2.5
        reply = 7

        [[hosts]]
        name = "example.com"
        [hosts.routes]
        "/app" = { handler = "app" }

        [handlers.app]
        send_spec = "tcp://127.0.0.1:9997"
        recv_spec = "tcp://127.0.0.1:9996"
        send_ident = "app-ident"
        protocol = "tnetstring"
        command = ["./app", "--flag"]
        processes = 3
        """

    private func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try ConfigurationLoader.parse(text, file: "test.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func aValidFileBecomesTheConfiguration() throws {
        let configuration = try ConfigurationLoader.parse(valid, file: "test.toml")
        #expect(configuration.server.listenHost == "127.0.0.1")
        #expect(configuration.server.listenPort == 8080)
        #expect(configuration.server.uuid == "server-1")
        #expect(configuration.server.timeouts.hold == .milliseconds(2500))
        #expect(configuration.server.timeouts.reply == .seconds(7))
        #expect(configuration.server.defaultHost == "example.com", "the first host is the default")
        let handler = try #require(configuration.handlers["app"])
        #expect(handler.headerEncoding == .tnetstring)
        #expect(handler.process?.command == ["./app", "--flag"])
        #expect(handler.process?.count == 3)
    }

    @Test func theDefaultConfigurationIsValid() throws {
        let root = String(#filePath).components(separatedBy: "/Tests/")[0]
        let configuration = try ConfigurationLoader.load(path: root + "/conf/lurcher.toml")
        #expect(configuration.server.listenPort == 6767)
        #expect(configuration.handlers["hello"] != nil)
    }

    @Test func anUnknownKeyIsNamed() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "uuid =", with: "uid =")))
        #expect(problem.file == "test.toml")
        #expect(problem.key == "server.uid")
        #expect(problem.description.contains("Fix:"))
    }

    @Test func aMissingRequiredKeyIsNamed() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "send_ident = \"app-ident\"\n", with: "")))
        #expect(problem.key == "handlers.app.send_ident")
        #expect(problem.problem.contains("missing"))
    }

    @Test func aWrongTypeIsNamed() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "processes = 3", with: "processes = \"three\"")))
        #expect(problem.key == "handlers.app.processes")
        #expect(problem.problem.contains("integer"))
    }

    @Test func aRouteToAnUnknownHandlerIsRejected() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "{ handler = \"app\" }", with: "{ handler = \"ap\" }")))
        #expect(problem.key == "hosts[0].routes.\"/app\".handler")
        #expect(problem.fix.contains("app"), "the fix lists the handlers there are")
    }

    @Test func anUnknownProtocolIsRejected() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "\"tnetstring\"", with: "\"xml\"")))
        #expect(problem.key == "handlers.app.protocol")
        #expect(problem.fix.contains("json"))
    }

    @Test func aBadListenAddressIsRejected() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "127.0.0.1:8080", with: "localhost")))
        #expect(problem.key == "server.listen")
    }

    @Test func endpointsMustNotBeShared() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "9996", with: "9997")))
        #expect(problem.key == "handlers.app.recv_spec")
    }

    @Test func aMissingDirectoryIsRejected() throws {
        let problem = try #require(
            error(valid.replacingOccurrences(of: "{ handler = \"app\" }", with: "{ dir = \"/no/such/dir\" }")))
        #expect(problem.key == "hosts[0].routes.\"/app\".dir")
    }

    @Test func aTOMLSyntaxErrorGivesItsLine() throws {
        let problem = try #require(error("[server\nlisten = 1"))
        #expect(problem.problem.contains("line 1"))
    }

    @Test func aNonPositiveTimeoutIsRejected() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "reply = 7", with: "reply = 0")))
        #expect(problem.key == "timeouts.reply")
    }

    @Test func brokerModeTakesHeartbeatsAndAJobEndpointButNoRecvSpec() throws {
        let broker = valid.replacingOccurrences(
            of: "recv_spec = \"tcp://127.0.0.1:9996\"",
            with: "mode = \"broker\"\nheartbeat_interval = 0.5\nheartbeat_liveness = 4\njob_spec = \"tcp://127.0.0.1:9990\"")
        let handler = try #require(try ConfigurationLoader.parse(broker, file: "test.toml").handlers["app"])
        #expect(handler.dispatch == .broker(BrokerConfiguration(heartbeatInterval: .milliseconds(500), heartbeatLiveness: 4, jobSpec: "tcp://127.0.0.1:9990")))
        #expect(handler.dispatch.recvSpec == nil)

        let withRecvSpec = try #require(error(valid.replacingOccurrences(of: "[handlers.app]", with: "[handlers.app]\nmode = \"broker\"")))
        #expect(withRecvSpec.key == "handlers.app.recv_spec")
        #expect(withRecvSpec.fix.contains("remove recv_spec"))

        let pushWithHeartbeat = try #require(error(valid.replacingOccurrences(of: "[handlers.app]", with: "[handlers.app]\nheartbeat_liveness = 2")))
        #expect(pushWithHeartbeat.key == "handlers.app.heartbeat_liveness")
        #expect(pushWithHeartbeat.fix.contains("mode = \"broker\""))

        let unknownMode = try #require(error(valid.replacingOccurrences(of: "[handlers.app]", with: "[handlers.app]\nmode = \"pull\"")))
        #expect(unknownMode.key == "handlers.app.mode")
        let noRecvSpec = try #require(error(valid.replacingOccurrences(of: "recv_spec = \"tcp://127.0.0.1:9996\"", with: "")))
        #expect(noRecvSpec.key == "handlers.app.recv_spec")
    }

    @Test func anUnreadableFileIsReportedWithTheFix() throws {
        do {
            _ = try ConfigurationLoader.load(path: "/no/such/lurcher.toml")
            Issue.record("loading a missing file should fail")
        } catch {
            #expect(error.file == "/no/such/lurcher.toml")
            #expect(error.fix.contains("--config"))
        }
    }

    @Test func theHardeningKeysAreReadWithTheirDefaults() throws {
        let defaults = try ConfigurationLoader.parse(valid, file: "test.toml").server
        #expect(defaults.limits.maxConnections == 16384)
        #expect(defaults.timeouts.write == .seconds(60))
        #expect(defaults.uploads.directory == "/tmp")
        #expect(defaults.uploads.threshold == 1 << 20)
        let set = try ConfigurationLoader.parse(
            valid.replacingOccurrences(of: "reply = 7", with: "reply = 7\nwrite = 2\n\n[limits]\nmax_connections = 10\n\n[uploads]\ndirectory = \"/\"\nthreshold_bytes = 5"),
            file: "test.toml").server
        #expect(set.limits.maxConnections == 10)
        #expect(set.timeouts.write == .seconds(2))
        #expect(set.uploads.directory == "/")
        #expect(set.uploads.threshold == 5)
    }

    @Test func aMissingUploadDirectoryIsNamedWithTheFix() throws {
        let problem = try #require(error(valid + "\n[uploads]\ndirectory = \"/no/such/dir\"\n"))
        #expect(problem.key == "uploads.directory")
        #expect(problem.description.contains("create it"))
    }

    @Test func dirRouteKeysOnAHandlerRouteAreRejected() throws {
        let problem = try #require(error(valid.replacingOccurrences(of: "{ handler = \"app\" }", with: "{ handler = \"app\", cache_control = \"no-cache\" }")))
        #expect(problem.key == "hosts[0].routes.\"/app\"")
        #expect(problem.problem.contains("only apply to dir routes"))
    }
}
