import ArgumentParser
import Foundation
import LurcherConfiguration
import LurcherGateway
import LurcherSupervisor

/// `lurcher check`: validates the configuration without starting anything.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate the configuration file and exit.")

    /// A certificate this close to expiring is warned about.
    static let expiryWarning: TimeInterval = 14 * 24 * 3600

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "With --mongrel2, print the server as a Lurcher TOML file, for moving to one.")
    var printTOML = false

    func run() throws {
        do {
            let source = options.source
            let loaded = try source.load()
            let configuration = loaded.configuration
            for warning in loaded.warnings { printError("warning: \(warning)") }
            if printTOML, let toml = loaded.toml { print(toml) }
            // The certificate files are read as the gateway reads them: a key that is not the certificate's fails here.
            for certificate in try CertificateExpiry.check(configuration) {
                let left = certificate.expires.timeIntervalSinceNow
                if left <= 0 {
                    printError("warning: \(certificate.file): the certificate expired on \(certificate.expires); clients will refuse it. Fix: renew it, then run lurcher ctl reload")
                } else if left < Self.expiryWarning {
                    printError("warning: \(certificate.file): the certificate expires in \(Int(left / 86400)) day(s), on \(certificate.expires). Fix: renew it, then run lurcher ctl reload")
                }
            }
            // What `start` refuses only when it spawns: a pool's command that names no executable file.
            if let (key, problem) = Supervisor.commandProblems(in: configuration.handlers).first {
                printError("\(options.config): \(key): \(problem)")
                throw ExitCode(78)  // EX_CONFIG
            }
            let routes = configuration.hosts.reduce(0) { $0 + $1.routes.count }
            print(
                "\(source.name): OK (\(configuration.hosts.count) host(s), \(routes) route(s), "
                    + "\(configuration.handlers.count) handler(s)\(configuration.tls == nil ? "" : ", HTTPS"))")
        } catch let exit as ExitCode {
            throw exit
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
