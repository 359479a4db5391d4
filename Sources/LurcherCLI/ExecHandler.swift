import ArgumentParser
import LurcherSupervisor

/// `lurcher exec-handler`, hidden: the supervisor runs each handler's command through it, so that the handler
/// dies with the gateway (see `ExecShim`). Not for people to run.
struct ExecHandler: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ExecShim.subcommand, abstract: "Run a handler command that dies with its gateway.",
        shouldDisplay: false)

    @Option(help: "The pid of the gateway that spawned this process.")
    var gatewayPid: Int32

    @Argument(parsing: .postTerminator, help: "The handler's command and arguments, after --.")
    var command: [String]

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("name the command to run after --") }
    }

    func run() throws {
        ExecShim.run(gateway: gatewayPid, command: command)
    }
}
