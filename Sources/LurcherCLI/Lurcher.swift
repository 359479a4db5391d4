import ArgumentParser

/// The `lurcher` command.
@main
struct Lurcher: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A Mongrel2-style HTTP gateway: HTTP in front, ZeroMQ handler processes behind.",
        version: LurcherVersion.current,
        subcommands: [Start.self, Check.self, Ctl.self, Job.self, Keygen.self, ExecHandler.self],
        defaultSubcommand: Start.self
    )
}

/// Options every subcommand that reads the configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "conf/lurcher.toml"

    @Option(
        name: .customLong("mongrel2"), parsing: .upToNextOption,
        help: ArgumentHelp(
            "Run a server of a Mongrel2 configuration database (what m2sh load writes) instead of --config.",
            valueName: "config.sqlite SERVER_UUID"))
    var mongrel2: [String] = []

    func validate() throws {
        guard mongrel2.isEmpty || mongrel2.count == 2 else {
            throw ValidationError("--mongrel2 takes the database and the server's uuid: --mongrel2 config.sqlite SERVER_UUID")
        }
    }
}
