import Foundation
import Testing

/// Every shell example in README.md that talks to a running gateway (`curl ...`, `lurcher ...`), run against one
/// started from the shipped `conf/lurcher.toml`, so that the README cannot drift from what the gateway does.
@Suite struct ReadmeExampleTests {
    /// The README's commands, in order: the lines of its `sh` blocks and the `curl` commands quoted in its prose,
    /// without comments. `scripts/...` lines are this suite's own caller and are left out, as are lines with a
    /// placeholder in capitals (`ENDPOINT`), which no gateway can answer as written.
    static func commands(in readme: String) -> [String] {
        var commands: [String] = []
        var inShell = false
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = line == "```sh"
                continue
            }
            if inShell {
                let command = String(line.split(separator: "#", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
                if !command.isEmpty { commands.append(command) }
            } else {
                commands += line.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 && $0.element.hasPrefix("curl ") }
                    .map { String($0.element) }
            }
        }
        return commands.filter { command in
            !command.hasPrefix("scripts/")
                && !command.split(separator: " ").contains { $0.count > 2 && $0.allSatisfy { $0.isUppercase || $0 == "_" } }
        }
    }

    /// Whether a README command is a `lurcher` one that reads the configuration (`keygen` reads none).
    static func takesConfiguration(_ command: String) -> Bool {
        command.hasPrefix("lurcher ") && !command.hasPrefix("lurcher keygen")
    }

    @Test func theParserFindsTheREADMEsGatewayCommands() throws {
        let readme = "x\n```sh\nscripts/start   # no\ncurl localhost:6767/   # yes\n```\nsee `curl http://a/b` and `swift build`\n"
            + "```swift\nlet x = 1\n```\n```sh\nlurcher job ENDPOINT PAYLOAD\nlurcher ctl status\n```\n"
        #expect(Self.commands(in: readme) == ["curl localhost:6767/", "curl http://a/b", "lurcher ctl status"])
    }

    @Test func everyGatewayCommandInTheREADMEWorks() async throws {
        let readme = try String(contentsOfFile: TestPaths.packageRoot.path + "/README.md", encoding: .utf8)
        let commands = Self.commands(in: readme)
        #expect(commands.contains { $0.hasPrefix("curl") } && commands.contains { $0.hasPrefix("lurcher ctl") })
        let gateway = try await DefaultConfigurationGateway()
        // A graceful stop ends the gateway the rest need, so it runs last.
        for command in commands.filter({ !$0.hasPrefix("lurcher ctl stop") }) + commands.filter({ $0.hasPrefix("lurcher ctl stop") }) {
            let runnable = command
                .replacingOccurrences(of: "localhost:6767", with: "127.0.0.1:\(gateway.port)")
                .replacingOccurrences(of: "localhost:6768", with: "localhost:\(gateway.tlsPort)")
                .replacingOccurrences(of: "127.0.0.1:9180", with: "127.0.0.1:\(gateway.adminPort)")
                .replacingOccurrences(of: "curl ", with: "curl --fail -sS --max-time 30 ")
                .replacingOccurrences(of: "lurcher ", with: "\(TestPaths.lurcher) ") + (Self.takesConfiguration(command) ? " --config \(gateway.configPath)" : "")
            let child = try ChildProcess(["sh", "-c", runnable], outputPath: gateway.directory + "/example-\(UUID().uuidString.prefix(8)).out")
            #expect(try await child.waitForExit(timeout: .seconds(90)) == 0, "README: \(command)\n\(child.output)")
        }
        #expect(try await gateway.child.waitForExit(timeout: .seconds(60)) == 0, "`lurcher ctl stop` stopped it")
    }
}
