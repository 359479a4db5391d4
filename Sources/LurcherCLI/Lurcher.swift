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
}
