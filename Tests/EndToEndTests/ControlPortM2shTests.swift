import Foundation
import Testing

/// Mongrel2's own `m2sh control`, a client nobody here wrote, against Lurcher's control port.
///
/// m2sh finds the port through a configuration database: it connects to `ipc://CHROOT/run/control` for the
/// server it is named (`tools/m2sh/src/commands/running.c`, `control_server`). So the test loads a Mongrel2
/// configuration whose server's chroot is the gateway's folder, and gives the gateway its port there.
/// `m2sh running`, `stop` and `reload` cannot be pointed at Lurcher: they read the server's `pid_file` and send
/// signals, never touching the control port, and Lurcher writes no pid file.
@Suite struct ControlPortM2shTests {
    private static let m2sh = "/usr/bin/m2sh"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: m2sh), "needs Mongrel2's m2sh (Debian mongrel2-core)"))
    func m2shControlReadsLurchersTables() async throws {
        let uuid = "0c7a2b1e-42d0-4a57-9d55-3b1c2f7e6a10"
        let gateway = try await GatewayProcess(
            handlers: [], server: { "uuid = \"\(uuid)\"\ncontrol_port = \"ipc://\($0)/run/control\"" })
        let client = try gateway.connect()
        try client.send(HTTPConnection.request("GET", "/index.html"))
        #expect(try client.readResponse().status == 200)

        let conf = """
            main = Server(uuid="\(uuid)", access_log="/access.log", error_log="/error.log", chroot="\(gateway.directory)",
                default_host="localhost", name="lurcher", pid_file="/run/none.pid", bind_addr="127.0.0.1", port=\(gateway.port),
                hosts=[Host(name="localhost", routes={'/': Dir(base='static/', index_file='index.html', default_ctype='text/plain')})])
            servers = [main]
            """
        try conf.write(toFile: gateway.directory + "/mongrel2.conf", atomically: true, encoding: .utf8)
        let load = try ChildProcess(
            ["sh", "-c", "cd \"$0\" && m2sh load -config mongrel2.conf -db config.sqlite", gateway.directory],
            outputPath: gateway.directory + "/m2sh-load.log")
        #expect(try await load.waitForExit() == 0, "\(load.output)")

        let control = try ChildProcess(
            ["sh", "-c", "printf 'uuid\\nstatus what=net\\nnope\\nkill id=999999\\n' | m2sh control -db \"$0\"/config.sqlite -name lurcher",
             gateway.directory],
            outputPath: gateway.directory + "/m2sh-control.log")
        #expect(try await control.waitForExit(timeout: .seconds(30)) == 0, "\(control.output)")
        let output = control.output
        #expect(output.contains("ipc://\(gateway.directory)/run/control"), "\(output)")
        #expect(output.contains("uuid:  \(uuid)"), "m2sh shows a one-row table as name: value\n\(output)")
        #expect(output.contains("id:  "), "the one connection's row, in map style\n\(output)")
        #expect(output.contains("bytes_written:  "), "\(output)")
        #expect(output.contains("ERROR: Callback requested was not found."), "\(output)")
        #expect(output.contains("ERROR: Invalid argument type."), "\(output)")
    }
}
