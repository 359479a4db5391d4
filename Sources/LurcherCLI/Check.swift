import ArgumentParser
import LurcherConfiguration

/// `lurcher check`: validates the configuration without starting anything.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate the configuration file and exit.")

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(path: options.config)
            let routes = configuration.hosts.reduce(0) { $0 + $1.routes.count }
            print(
                "\(options.config): OK (\(configuration.hosts.count) host(s), \(routes) route(s), "
                    + "\(configuration.handlers.count) handler(s))")
        } catch {
            printError(error)
            throw ExitCode(78)  // EX_CONFIG
        }
    }
}

/// Prints a user-facing error on standard error.
func printError(_ error: any Error) {
    printError("\(error)")
}

/// Prints a user-facing message on standard error.
func printError(_ message: String) {
    var standardError = StandardError()
    print("lurcher: \(message)", to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}

import Foundation
