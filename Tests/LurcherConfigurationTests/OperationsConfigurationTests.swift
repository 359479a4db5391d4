import LurcherConfiguration
import Testing

/// The `[access_log]`, `[admin]` and `[events]` sections, and what a reload may change.
@Suite struct OperationsConfigurationTests {
    private let base = """
        [[hosts]]
        name = "localhost"
        [hosts.routes]
        "/app" = { handler = "app" }

        [handlers.app]
        send_spec = "tcp://127.0.0.1:9997"
        recv_spec = "tcp://127.0.0.1:9996"
        send_ident = "app-ident"
        command = ["./app"]

        """

    private func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try ConfigurationLoader.parse(base + text, file: "test.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func everythingIsOffByDefault() throws {
        let operations = try ConfigurationLoader.parse(base, file: "test.toml").operations
        #expect(operations == OperationsConfiguration())
        #expect(operations.accessLog == nil && operations.admin == nil && operations.events == nil)
    }

    @Test func sectionsTakeTheirDefaults() throws {
        let operations = try ConfigurationLoader.parse(
            base + "[access_log]\n[admin]\nlisten = \"[::1]:9180\"\n[events]\npublish = \"tcp://127.0.0.1:9190\"\n",
            file: "test.toml"
        ).operations
        #expect(operations.accessLog == AccessLogConfiguration(path: "-", format: .combined))
        #expect(operations.admin == AdminConfiguration(listenHost: "::1", listenPort: 9180))
        #expect(operations.events == EventsConfiguration(endpoint: "tcp://127.0.0.1:9190", highWaterMark: 1000))
    }

    @Test func theAdminListenerStaysOnLoopbackUnlessAllowed() throws {
        let refused = try #require(error("[admin]\nlisten = \"0.0.0.0:9180\"\n"))
        #expect(refused.key == "admin.listen")
        #expect(refused.fix.contains("allow_remote = true"))
        #expect(error("[admin]\nlisten = \"0.0.0.0:9180\"\nallow_remote = true\n")?.description == nil)
    }

    @Test func badValuesNameTheirKey() {
        #expect(error("[access_log]\nformat = \"apache\"\n")?.key == "access_log.format")
        #expect(error("[events]\npublish = \"127.0.0.1:9\"\n")?.key == "events.publish")
        #expect(error("[events]\npublish = \"tcp://127.0.0.1:9\"\nhigh_water_mark = 0\n")?.key == "events.high_water_mark")
        #expect(error("[admin]\nlisten = \"nowhere\"\n")?.key == "admin.listen")
    }

    @Test func routesAndPoolsMayChangeOnReloadButEndpointsMayNot() throws {
        let running = try ConfigurationLoader.parse(base, file: "old.toml")
        let moreRoutes = try ConfigurationLoader.parse(
            base.replacingOccurrences(of: "\"/app\" = { handler = \"app\" }", with: "\"/app\" = { handler = \"app\" }\n\"/b\" = { handler = \"app\" }")
                + "processes = 3\n",
            file: "new.toml")
        #expect(running.reloadProblem(becoming: moreRoutes, file: "new.toml")?.description == nil)

        let moved = try ConfigurationLoader.parse(base.replacingOccurrences(of: "9997", with: "9995"), file: "new.toml")
        let problem = try #require(running.reloadProblem(becoming: moved, file: "new.toml"))
        #expect(problem.key == "handlers.app.send_spec")
        #expect(problem.file == "new.toml")

        let logged = try ConfigurationLoader.parse(base + "[access_log]\n", file: "new.toml")
        #expect(running.reloadProblem(becoming: logged, file: "new.toml")?.key == "access_log")
    }
}
