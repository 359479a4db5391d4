import Foundation
import LurcherConfiguration
import LurcherMongrel2

/// Where `lurcher start` and `check` read their configuration: a TOML file, or one server of a Mongrel2
/// configuration database (`--mongrel2 config.sqlite SERVER_UUID`). A reload reads the same source again.
enum ConfigurationSource: Sendable {
    case file(String)
    /// The database made absolute, so a reload after the gateway moved to the server's chroot still finds it.
    case mongrel2(database: String, server: String, startedIn: String)

    /// A configuration, with what a Mongrel2 server's mapping warned of and the directory it runs from.
    struct Loaded {
        var configuration: GatewayConfiguration
        var warnings: [String] = []
        var workingDirectory: String?
        var toml: String?
    }

    /// The file, or the database and server, as errors and logs name it.
    var name: String {
        switch self {
        case .file(let path): path
        case .mongrel2(let database, let server, _): "\(database) (server \(server))"
        }
    }

    func load() throws(ConfigurationError) -> Loaded {
        switch self {
        case .file(let path):
            return Loaded(configuration: try ConfigurationLoader.load(path: path))
        case .mongrel2(let database, let server, let directory):
            let mapped = try Mongrel2ConfigurationLoader.load(database: database, server: server, relativeTo: directory)
            return Loaded(
                configuration: mapped.configuration, warnings: mapped.warnings, workingDirectory: mapped.workingDirectory,
                toml: mapped.toml)
        }
    }
}

extension ConfigurationOptions {
    /// `--mongrel2 DB UUID` if given, else `--config`.
    var source: ConfigurationSource {
        guard mongrel2.count == 2 else { return .file(config) }
        let directory = FileManager.default.currentDirectoryPath
        let database = mongrel2[0].hasPrefix("/") ? mongrel2[0] : (directory as NSString).appendingPathComponent(mongrel2[0])
        return .mongrel2(database: database, server: mongrel2[1], startedIn: directory)
    }
}
