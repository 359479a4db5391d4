import LurcherConfiguration
import Testing

/// `[server] control_port`: Mongrel2's control port, off unless set, and kept off other hosts unless allowed.
@Suite struct ControlPortConfigurationTests {
    private func load(_ server: String) throws(ConfigurationError) -> ServerConfiguration {
        try ConfigurationLoader.parse(
            "[server]\n\(server)\n[[hosts]]\nname = \"localhost\"\n[hosts.routes]\n\"/\" = { dir = \"/tmp\" }\n", file: "test.toml"
        ).server
    }

    private func error(_ server: String) -> ConfigurationError? {
        do {
            _ = try load(server)
            return nil
        } catch {
            return error
        }
    }

    @Test func theControlPortIsOffUnlessSet() throws {
        #expect(try load("").controlPort == nil)
    }

    @Test func ipcAndLoopbackEndpointsAreTaken() throws {
        let ipc = try load("control_port = \"ipc://run/control\"\n").controlPort
        #expect(ipc == ControlPortConfiguration(endpoint: "ipc://run/control"))
        #expect(ipc?.socketPath == "run/control")
        #expect(try load("control_port = \"tcp://127.0.0.1:9999\"\n").controlPort?.socketPath == nil)
        #expect(try load("control_port = \"tcp://[::1]:9999\"\n").controlPort != nil)
    }

    @Test func aRemoteTCPControlPortNeedsAllowRemote() throws {
        for endpoint in ["tcp://0.0.0.0:9999", "tcp://*:9999", "tcp://192.0.2.7:9999"] {
            let refused = try #require(error("control_port = \"\(endpoint)\"\n"))
            #expect(refused.file == "test.toml")
            #expect(refused.key == "server.control_port")
            #expect(refused.fix.contains("control_port_allow_remote = true"))
            #expect(error("control_port = \"\(endpoint)\"\ncontrol_port_allow_remote = true\n") == nil)
        }
    }

    @Test func otherEndpointsAreRefusedWithTheirKey() {
        for endpoint in ["inproc://control", "run/control", "ipc://", "tcp://127.0.0.1", "tcp://127.0.0.1:70000",
            "ipc://" + String(repeating: "d", count: 120)]
        {
            #expect(error("control_port = \"\(endpoint)\"\n")?.key == "server.control_port", "\(endpoint)")
        }
    }
}
